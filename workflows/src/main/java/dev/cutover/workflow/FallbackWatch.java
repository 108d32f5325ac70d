package dev.cutover.workflow;

import dev.cutover.database.CopyActivities;
import dev.cutover.workflow.FallbackWorkflow.FallbackRequest;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Workflow;
import java.time.Instant;

/**
 * The move's last step when its plan keeps the fallback current: the {@link FallbackWorkflow} is started as
 * a child that outlives the move (abandoned on close), so the move can complete and report while the stream
 * runs for the rollback window.
 */
final class FallbackWatch {

  /** How often the watcher looks at the stream: a stray write is reported within this. */
  static final long EVERY_MILLIS = 5_000;

  private FallbackWatch() {}

  /** Starts the watcher; returns when the window ends, or null when it could not start (the stream is ended). */
  static Long start(Steps steps, CopyActivities copies, MoveRequest move) {
    String source = move.source().name();
    String app = move.plan().app();
    long closesAt = Workflow.currentTimeMillis() + move.plan().copy().rollbackWindow().toMillis();
    String[] why = new String[1];
    Long started = steps.run(Phase.REPORT, "keep " + source + " current for the rollback window", () -> {
      FallbackWorkflow watcher = Workflow.newChildWorkflowStub(FallbackWorkflow.class,
          ChildWorkflowOptions.newBuilder()
              .setWorkflowId(FallbackWorkflow.workflowIdFor(app))
              .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
              .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
              .build());
      Async.function(watcher::run, new FallbackRequest(move.reverseRequest(), closesAt, EVERY_MILLIS, null));
      try {
        Workflow.getWorkflowExecution(watcher).get();
        return closesAt;
      } catch (TemporalFailure failed) {
        // Nobody would watch or end the stream, and its slot would keep the new box's WAL: end it now.
        why[0] = Steps.reason(failed);
        copies.closeReverse(move.reverseRequest());
        return null;
      }
    }, at -> at != null
        ? "the reverse stream runs until " + Instant.ofEpochMilli(at) + ": `cutover rollback " + app
            + "` switches back over it, `cutover close " + app + "` ends it"
        : "its watcher could not start (" + why[0] + "), so the reverse stream was ended; " + source
            + " is a fallback as of the switch");
    return started;
  }
}
