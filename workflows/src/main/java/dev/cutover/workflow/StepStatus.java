package dev.cutover.workflow;

/** One step of the runbook as the status query shows it. Times are workflow time in epoch millis. */
public record StepStatus(
    Phase phase, String name, State state, long startedAt, Long endedAt, String detail) {

  public enum State {
    RUNNING,
    DONE,
    FAILED,
    SKIPPED
  }

  public StepStatus finish(State newState, long at, String newDetail) {
    return new StepStatus(phase, name, newState, startedAt, at, newDetail);
  }

  public Long durationMillis() {
    return endedAt == null ? null : endedAt - startedAt;
  }
}
