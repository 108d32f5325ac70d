package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A query on the box's database returning when the next time-critical job is due (one timestamptz, or
 * null when none is), so the blackout can be checked to end before it; e.g. the next kickoff.
 */
public record NextJob(@JsonProperty(required = true) String sql) {}
