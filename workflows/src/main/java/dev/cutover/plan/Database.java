package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Where a database is and where its password lives. The password itself is read by the activity that
 * connects, from the worker's environment or a file on the worker's box, so it never enters history.
 */
public record Database(
    @JsonProperty(required = true) String url,
    @JsonProperty(required = true) String user,
    String passwordEnv,
    String passwordFile) {}
