package dev.cutover.cli;

import dev.cutover.database.CopyActivities.ReverseState;
import dev.cutover.temporal.Failures;
import dev.cutover.workflow.FallbackWorkflow;
import dev.cutover.workflow.FallbackWorkflow.FallbackStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowQueryException;
import io.temporal.client.WorkflowUpdateException;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The fallback an app's completed move keeps current ({@code copy.rollbackWindow}), as the commands see it: found,
 * shown, closed or handed to a rollback through its {@link FallbackWorkflow}.
 */
final class Fallbacks {

  /** Past these the status warns: the old box is far behind, and the new box keeps the WAL it has not taken. */
  static final long LAG_WARN_BYTES = 1L << 30;
  static final long LAG_WARN_MILLIS = 60_000;

  private Fallbacks() {}

  /** The app's fallback watcher as it stands (running: queried; ended: its result), or null if it never had one. */
  static FallbackStatus find(WorkflowClient client, String app) {
    String id = FallbackWorkflow.workflowIdFor(app);
    WorkflowExecutionStatus state;
    try {
      state = client.getWorkflowServiceStubs().blockingStub()
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
              .setNamespace(client.getOptions().getNamespace())
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
              .build())
          .getWorkflowExecutionInfo().getStatus();
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        return null;
      }
      throw e;
    }
    try {
      if (state == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING) {
        return client.newWorkflowStub(FallbackWorkflow.class, id).status();
      }
      return client.newUntypedWorkflowStub(id).getResult(10, TimeUnit.SECONDS, FallbackStatus.class);
    } catch (WorkflowQueryException e) {
      if (TemporalOutage.of(e).isPresent()) {
        throw e;
      }
      throw new CliException(ExitCode.NEEDS_HUMAN, "the reverse stream of " + app + " is watched, but no worker"
          + " answered its status query: is `cutover worker` running? (" + ConnectionOptions.rootMessage(e) + ")");
    } catch (Exception e) {
      if (TemporalOutage.of(e).isPresent()) {
        throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
      }
      throw new CliException(ExitCode.NEEDS_HUMAN, "the watcher of " + app + "'s reverse stream ended "
          + state.name().replace("WORKFLOW_EXECUTION_STATUS_", "") + " without a report: "
          + ConnectionOptions.rootMessage(e) + "; look for a slot named cutover_" + app + " on the new box");
    }
  }

  /** Close or hand over, as an update: answered once the watcher has ended. A refusal is exit 2 with why. */
  static FallbackStatus decide(WorkflowClient client, String app, String verb,
      Function<FallbackWorkflow, FallbackStatus> update) {
    try {
      return update.apply(client.newWorkflowStub(FallbackWorkflow.class, FallbackWorkflow.workflowIdFor(app)));
    } catch (WorkflowUpdateException e) {
      throw new CliException(ExitCode.USAGE, "cannot " + verb + " the reverse stream of " + app + ": "
          + Failures.reason(e));
    } catch (WorkflowNotFoundException e) {
      throw new CliException(ExitCode.USAGE, "the reverse stream of " + app + " has already ended; nothing to " + verb);
    }
  }

  /** The block `cutover status` adds under a completed move. */
  static String render(FallbackStatus f, String app, Instant now) {
    StringBuilder out = new StringBuilder("\nfallback: ");
    if (!f.running()) {
      out.append(f.fallbackBox()).append(" is no longer kept current: ").append(f.ended()).append('\n');
      return out.append(alarm(f)).toString();
    }
    out.append(f.fallbackBox()).append(" is kept current by the reverse stream from ").append(f.liveBox())
        .append(", until ").append(Instant.ofEpochMilli(f.closesAtMillis())).append('\n');
    ReverseState last = f.last();
    if (last == null) {
      out.append("  not looked at yet\n");
    } else if (last.streaming()) {
      out.append("  streaming: ").append(last.bytesBehind() == null ? "?" : last.bytesBehind()).append(" bytes behind")
          .append(last.lagMillis() == null ? ", idle" : ", lag " + last.lagMillis() + " ms")
          .append(last.lastApplied() == null ? "" : ", last applied " + last.lastApplied())
          .append(" (looked ").append(ago(f.checkedAtMillis(), now)).append(")\n");
      if (lagging(last)) {
        out.append("  WARNING: the stream is far behind (").append(last.bytesBehind()).append(" bytes, ")
            .append(last.lagMillis()).append(" ms): a rollback now waits for it in its freeze, and ")
            .append(f.liveBox()).append(" keeps that WAL\n");
      }
      out.append("  `cutover rollback ").append(app).append("` switches back over it (a freeze that only catches up);")
          .append(" `cutover close ").append(app).append("` ends it\n");
    } else {
      out.append("  BROKEN: ").append(last.broken()).append('\n')
          .append("  `cutover rollback ").append(app).append("` would copy everything again in its freeze")
          .append(" (dump-restore); `cutover close ").append(app).append("` removes the stream's slot, which keeps ")
          .append(f.liveBox()).append("'s WAL meanwhile\n");
    }
    return out.append(alarm(f)).toString();
  }

  private static String alarm(FallbackStatus f) {
    if (f.strayWrites() == 0) {
      return "";
    }
    return "ALARM: " + f.strayWrites() + " commit(s) on " + f.fallbackBox() + " did not come from the reverse stream:"
        + " a second writer (" + String.join("; ", f.straySample()) + ")\n";
  }

  static boolean lagging(ReverseState s) {
    return (s.bytesBehind() != null && s.bytesBehind() > LAG_WARN_BYTES)
        || (s.lagMillis() != null && s.lagMillis() > LAG_WARN_MILLIS);
  }

  private static String ago(Long millis, Instant now) {
    return millis == null ? "never" : Duration.ofMillis(Math.max(0, now.toEpochMilli() - millis)).toSeconds() + " s ago";
  }
}
