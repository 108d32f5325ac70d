package dev.cutover.cli;

import dev.cutover.temporal.Failures;
import dev.cutover.workflow.Decision;
import dev.cutover.workflow.FleetRequest;
import dev.cutover.workflow.FleetResult;
import dev.cutover.workflow.FleetStatus;
import dev.cutover.workflow.FleetWorkflow;
import dev.cutover.workflow.TaskQueues;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowNotFoundException;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowQueryException;
import io.temporal.client.WorkflowUpdateException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Finds a fleet by its workflow id ({@code cutover-fleet-NAME}) and reads or decides on it, as {@link Moves}
 * does for one app: a running fleet answers its status query, an ended one is read from its result.
 */
final class Fleets {

  private Fleets() {}

  /** The one app or the one fleet a command is about: exactly one of APP and {@code --fleet NAME}. */
  static void requireOne(String app, String fleet, String command) {
    if (app == null && fleet == null) {
      throw new CliException(ExitCode.USAGE, "name an app (`cutover " + command + " APP`) or a fleet (`cutover "
          + command + " --fleet NAME`)");
    }
    if (app != null && fleet != null) {
      throw new CliException(ExitCode.USAGE, "name an app or a fleet, not both: `cutover " + command + " " + app
          + "` or `cutover " + command + " --fleet " + fleet + "`");
    }
  }

  static String start(WorkflowClient client, FleetRequest request) {
    FleetWorkflow fleet = client.newWorkflowStub(FleetWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(request.workflowId())
        .setTaskQueue(TaskQueues.MAIN)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .build());
    try {
      return WorkflowClient.start(fleet::run, request).getRunId();
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new CliException(ExitCode.USAGE, "the fleet " + request.name() + " is already running (workflow "
          + e.getExecution().getWorkflowId() + ", run " + e.getExecution().getRunId() + "); see `cutover status --fleet "
          + request.name() + "`, or stop it with `cutover abort --fleet " + request.name() + "`");
    }
  }

  static boolean running(WorkflowClient client, String name) {
    String id = FleetWorkflow.workflowIdFor(name);
    try {
      return client.getWorkflowServiceStubs().blockingStub()
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .describeWorkflowExecution(DescribeWorkflowExecutionRequest.newBuilder()
              .setNamespace(client.getOptions().getNamespace())
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId(id))
              .build())
          .getWorkflowExecutionInfo().getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
        throw new CliException(ExitCode.USAGE, "no fleet " + name + " is known to Temporal at "
            + client.getWorkflowServiceStubs().getOptions().getTarget() + " (workflow id " + id + ")");
      }
      throw e;
    }
  }

  static FleetStatus status(WorkflowClient client, String name) {
    if (!running(client, name)) {
      return result(client, name).status();
    }
    try {
      return client.newWorkflowStub(FleetWorkflow.class, FleetWorkflow.workflowIdFor(name)).status();
    } catch (WorkflowQueryException e) {
      if (TemporalOutage.of(e).isPresent()) {
        throw e;
      }
      throw new CliException(ExitCode.NEEDS_HUMAN, "the fleet " + name + " is running but no worker answered its"
          + " status query: is `cutover worker` running against this Temporal? (" + ConnectionOptions.rootMessage(e) + ")");
    }
  }

  static FleetResult result(WorkflowClient client, String name) {
    try {
      return client.newUntypedWorkflowStub(FleetWorkflow.workflowIdFor(name))
          .getResult(10, TimeUnit.SECONDS, FleetResult.class);
    } catch (Exception e) {
      if (TemporalOutage.of(e).isPresent()) {
        throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
      }
      throw new CliException(ExitCode.NEEDS_HUMAN, "the fleet " + name + " ended without a report: "
          + ConnectionOptions.rootMessage(e) + "; each app's move reports for itself: `cutover report APP`");
    }
  }

  /** A fleet's confirm or abort, as an update: a refusal becomes exit 2 with the fleet's reason. */
  static Decision decide(WorkflowClient client, String name, String verb, Function<FleetWorkflow, Decision> update) {
    if (!running(client, name)) {
      throw new CliException(ExitCode.USAGE, "the fleet " + name + " has already ended; nothing to " + verb
          + " (`cutover report --fleet " + name + "`)");
    }
    try {
      return update.apply(client.newWorkflowStub(FleetWorkflow.class, FleetWorkflow.workflowIdFor(name)));
    } catch (WorkflowUpdateException e) {
      throw new CliException(ExitCode.USAGE, "cannot " + verb + " the fleet " + name + ": " + Failures.reason(e));
    } catch (WorkflowNotFoundException e) {
      throw new CliException(ExitCode.USAGE, "the fleet " + name + " has already ended; nothing to " + verb);
    }
  }
}
