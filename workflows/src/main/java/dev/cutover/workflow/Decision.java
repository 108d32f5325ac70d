package dev.cutover.workflow;

/** Who confirmed or aborted, when (epoch millis), and why. */
public record Decision(String by, long at, String reason) {}
