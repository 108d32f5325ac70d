package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;

/** The app's configuration file on a box, compared key by key (never value by value) in preflight. */
public record ConfigFile(@JsonProperty(required = true) String file) {}
