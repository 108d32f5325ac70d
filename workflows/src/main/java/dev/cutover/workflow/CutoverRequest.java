package dev.cutover.workflow;

import dev.cutover.plan.Plan;

/** Input of a move. {@code rehearsal} runs preflight, prepare and a timed copy, and never freezes. */
public record CutoverRequest(Plan plan, boolean rehearsal, String requestedBy) {}
