package dev.cutover.workflow;

/** The final report: how the move ended and the full status at that moment. */
public record CutoverResult(Outcome outcome, String summary, CutoverStatus status) {}
