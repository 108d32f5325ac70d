package dev.cutover.workflow;

import dev.cutover.database.CopyActivities.ReverseRequest;
import dev.cutover.database.CopyActivities.ReverseState;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;

/**
 * The old box kept current after a switch ({@code copy.rollbackWindow}): started by the move as it completes,
 * it watches the reverse stream (lag, breakage, and any commit on the old box that did not come from the
 * stream), and ends it when the window ends or someone closes the move. A rollback takes the stream over
 * instead ({@link #handOver}), so its freeze only has to catch up. Workflow id: {@code cutover-fallback-<app>}.
 */
@WorkflowInterface
public interface FallbackWorkflow {

  @WorkflowMethod
  FallbackStatus run(FallbackRequest request);

  @QueryMethod
  FallbackStatus status();

  /** {@code cutover close APP}: ends the stream now; answers once its slot and subscription are gone. */
  @UpdateMethod
  FallbackStatus close(Closing closing);

  @UpdateValidatorMethod(updateName = "close")
  void validateClose(Closing closing);

  /**
   * {@code cutover rollback APP}: stops watching and leaves the stream for the rollback's move to adopt;
   * answers with the stream's last state, which tells the rollback whether it will be a catch-up or a copy.
   */
  @UpdateMethod
  FallbackStatus handOver(Closing closing);

  @UpdateValidatorMethod(updateName = "handOver")
  void validateHandOver(Closing closing);

  record Closing(String by) {}

  /**
   * {@code closesAtMillis}: when the window ends (epoch ms, fixed by the move). {@code everyMillis}: how
   * often the stream is looked at. {@code carried}: what an earlier run of this workflow saw, across a
   * continue-as-new.
   */
  record FallbackRequest(ReverseRequest stream, long closesAtMillis, long everyMillis, FallbackStatus carried) {}

  enum State {
    STREAMING,
    BROKEN,
    CLOSED,
    HANDED_OVER
  }

  /**
   * {@code last}: the stream as last seen, at {@code checkedAtMillis}. {@code strayWrites}: every commit on the
   * old box since the switch that did not come from the stream, each a second writer; {@code straySample}: the
   * first few. {@code ended}: why it is over (closed by whom, the window, a rollback), null while it runs.
   */
  record FallbackStatus(String app, String liveBox, String fallbackBox, State state, ReverseState last,
      Long checkedAtMillis, long closesAtMillis, long strayWrites, List<String> straySample, String ended) {

    public FallbackStatus {
      straySample = straySample == null ? List.of() : List.copyOf(straySample);
    }

    public boolean running() {
      return state == State.STREAMING || state == State.BROKEN;
    }
  }

  static String workflowIdFor(String app) {
    return "cutover-fallback-" + app;
  }
}
