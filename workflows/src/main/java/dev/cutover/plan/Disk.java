package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Where the restored database will live on a box (e.g. the PostgreSQL data directory), for the room check. */
public record Disk(@JsonProperty(required = true) String path) {}
