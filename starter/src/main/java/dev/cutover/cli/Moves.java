package dev.cutover.cli;

import dev.cutover.plan.Plan;
import dev.cutover.temporal.Failures;
import dev.cutover.workflow.CutoverRequest;
import dev.cutover.workflow.CutoverResult;
import dev.cutover.workflow.CutoverSearchAttributes;
import dev.cutover.workflow.TaskQueues;
import dev.cutover.workflow.WebUi;
import io.temporal.api.common.v1.Payloads;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowServiceException;
import io.temporal.common.SearchAttributes;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import dev.cutover.workflow.CutoverStatus;
import dev.cutover.workflow.CutoverWorkflow;
import dev.cutover.workflow.Decision;
import dev.cutover.workflow.FleetWorkflow;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowQueryException;
import io.temporal.client.WorkflowStub;
import io.temporal.client.WorkflowUpdateException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Finds an app's move by its workflow id and reads where it stands. A running move answers the status
 * query (a worker must be polling); an ended one is read from its result, no worker needed. Visibility
 * (list) APIs are never used: the embedded service does not have them.
 */
final class Moves {

  private Moves() {}

  /** {@code parentWorkflowId}: the fleet that started this move ({@code cutover-fleet-NAME}), or null. */
  record Move(String app, String runId, WorkflowExecutionStatus status, String parentWorkflowId) {
    boolean running() {
      return status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    }

    /** The fleet's name, when a fleet started this move. */
    String fleet() {
      String prefix = FleetWorkflow.workflowIdFor("");
      return parentWorkflowId != null && parentWorkflowId.startsWith(prefix)
          ? parentWorkflowId.substring(prefix.length()) : null;
    }
  }

  static Move describe(WorkflowClient client, String app) {
    String id = Plan.workflowIdFor(app);
    try {
      DescribeWorkflowExecutionResponse r = client.getWorkflowServiceStubs().blockingStub()
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
              .setNamespace(client.getOptions().getNamespace())
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
              .build());
      var info = r.getWorkflowExecutionInfo();
      return new Move(app, info.getExecution().getRunId(), info.getStatus(),
          info.hasParentExecution() ? info.getParentExecution().getWorkflowId() : null);
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new CliException(ExitCode.USAGE, "no move of " + app + " is known to Temporal at "
            + client.getWorkflowServiceStubs().getOptions().getTarget() + " (workflow id " + id + ")");
      }
      throw e;
    }
  }

  /** The status of a move that must still be running for {@code verb} to make sense. */
  static CutoverStatus runningStatus(WorkflowClient client, String app, String verb) {
    Move move = describe(client, app);
    if (!move.running()) {
      throw new CliException(ExitCode.USAGE, "the move of " + app + " has already ended; nothing to " + verb);
    }
    return status(client, move);
  }

  /**
   * Starts a move (or a rollback) under the app's workflow id. A second start while one runs is refused
   * by Temporal itself; the message names the running move.
   */
  static String start(WorkflowClient client, CutoverRequest request, PrintWriter err) {
    return start(client, request, err, true);
  }

  private static String start(WorkflowClient client, CutoverRequest request, PrintWriter err, boolean withSearchAttributes) {
    Plan plan = request.plan();
    WorkflowOptions.Builder options = WorkflowOptions.newBuilder()
        .setWorkflowId(plan.workflowId())
        .setTaskQueue(TaskQueues.MAIN)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .setStaticSummary(WebUi.summary(request))
        .setStaticDetails(WebUi.details(request));
    if (withSearchAttributes) {
      options.setTypedSearchAttributes(SearchAttributes.newBuilder()
          .set(CutoverSearchAttributes.APP, plan.app())
          .set(CutoverSearchAttributes.PHASE, "PREFLIGHT")
          .build());
    }
    CutoverWorkflow workflow = client.newWorkflowStub(CutoverWorkflow.class, options.build());
    try {
      return WorkflowClient.start(workflow::run, request).getRunId();
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new CliException(ExitCode.USAGE, "a move of " + plan.app() + " is already running (workflow "
          + e.getExecution().getWorkflowId() + ", run " + e.getExecution().getRunId() + "); see `cutover status "
          + plan.app() + "`, or stop it with `cutover abort " + plan.app() + "`");
    } catch (WorkflowServiceException e) {
      if (withSearchAttributes && e.getCause() instanceof StatusRuntimeException s
          && s.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
        err.println("note: this Temporal namespace has no CutoverApp/CutoverPhase search attributes; starting"
            + " without them (docs/operations.md says how to add them)");
        return start(client, request, err, false);
      }
      throw e;
    }
  }

  /** What the move was started with: its plan and flags, read back from its history. */
  static CutoverRequest input(WorkflowClient client, Move move) {
    WorkflowExecutionHistory history = client.fetchHistory(Plan.workflowIdFor(move.app()), move.runId());
    Payloads input = history.getEvents().get(0).getWorkflowExecutionStartedEventAttributes().getInput();
    return client.getOptions().getDataConverter()
        .fromPayloads(0, Optional.of(input), CutoverRequest.class, CutoverRequest.class);
  }

  /**
   * An activity in flight, as the server sees it: which attempt it is on, why the last one failed,
   * and its latest heartbeat (progress). The workflow cannot know this; Temporal does.
   */
  record PendingActivity(String activity, int attempt, String lastFailure, Object heartbeat) {}

  static List<PendingActivity> pending(WorkflowClient client, Move move) {
    if (!move.running()) {
      return List.of();
    }
    return pending(client, Plan.workflowIdFor(move.app()));
  }

  /** The activities in flight of any workflow by id (a move, a comparison). */
  static List<PendingActivity> pending(WorkflowClient client, String workflowId) {
    DescribeWorkflowExecutionResponse r = client.getWorkflowServiceStubs().blockingStub()
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
            .setNamespace(client.getOptions().getNamespace())
            .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId))
            .build());
    List<PendingActivity> out = new ArrayList<>();
    for (PendingActivityInfo a : r.getPendingActivitiesList()) {
      Object heartbeat = a.hasHeartbeatDetails()
          ? client.getOptions().getDataConverter()
              .fromPayloads(0, Optional.of(a.getHeartbeatDetails()), Object.class, Object.class)
          : null;
      String failure = a.hasLastFailure() ? lastFailure(a) : null;
      out.add(new PendingActivity(a.getActivityType().getName(), a.getAttempt(), failure, heartbeat));
    }
    return out;
  }

  /**
   * A timeout's failure has no message: say which timeout, and on which worker the attempt was, so a worker
   * that died (a heartbeat timeout) shows as that, not as a blank.
   */
  private static String lastFailure(PendingActivityInfo a) {
    io.temporal.api.failure.v1.Failure f = a.getLastFailure();
    if (!f.getMessage().isEmpty() || !f.hasTimeoutFailureInfo()) {
      return f.getMessage();
    }
    String type = f.getTimeoutFailureInfo().getTimeoutType().name().replace("TIMEOUT_TYPE_", "").toLowerCase();
    String worker = a.getLastWorkerIdentity().isEmpty() ? "" : " on worker " + a.getLastWorkerIdentity();
    return "timed out (" + type.replace('_', '-') + ")" + worker
        + (type.equals("heartbeat") ? ": the worker running it stopped answering" : "");
  }

  static CutoverWorkflow workflow(WorkflowClient client, String app) {
    return client.newWorkflowStub(CutoverWorkflow.class, Plan.workflowIdFor(app));
  }

  /**
   * Sends a decision (confirm, abort) as an update: the workflow checks and records it in one step and
   * answers. A refusal (not at the gate, already aborted by someone) becomes exit 2 with the workflow's reason.
   */
  static Decision decide(WorkflowClient client, String app, String verb, Function<CutoverWorkflow, Decision> update) {
    try {
      return update.apply(workflow(client, app));
    } catch (WorkflowUpdateException e) {
      throw new CliException(ExitCode.USAGE, "cannot " + verb + " the move of " + app + ": " + Failures.reason(e));
    } catch (WorkflowNotFoundException e) {
      // It ended between the status read and the update (an abort's compensation is quick).
      throw new CliException(ExitCode.USAGE, "the move of " + app + " has already ended; nothing to " + verb);
    }
  }

  static CutoverStatus status(WorkflowClient client, Move move) {
    if (!move.running()) {
      return result(client, move).status();
    }
    try {
      return workflow(client, move.app()).status();
    } catch (WorkflowQueryException e) {
      if (TemporalOutage.of(e).isPresent()) {
        throw e;
      }
      throw new CliException(ExitCode.NEEDS_HUMAN,
          "the move of " + move.app() + " is running but no worker answered its status query: is `cutover worker`"
              + " running against this Temporal? (" + ConnectionOptions.rootMessage(e) + ")");
    }
  }

  static CutoverResult result(WorkflowClient client, Move move) {
    WorkflowStub stub = client.newUntypedWorkflowStub(Plan.workflowIdFor(move.app()));
    try {
      return stub.getResult(10, TimeUnit.SECONDS, CutoverResult.class);
    } catch (Exception e) {
      if (TemporalOutage.of(e).isPresent()) {
        throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
      }
      throw new CliException(ExitCode.NEEDS_HUMAN, "the move of " + move.app() + " ended " + move.status().name()
          .replace("WORKFLOW_EXECUTION_STATUS_", "") + " without a report: " + ConnectionOptions.rootMessage(e));
    }
  }
}
