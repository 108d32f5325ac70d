package dev.cutover.cli;

import dev.cutover.plan.Plan;
import dev.cutover.workflow.CutoverRequest;
import dev.cutover.workflow.CutoverSearchAttributes;
import dev.cutover.workflow.CutoverWorkflow;
import dev.cutover.workflow.TaskQueues;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowServiceException;
import io.temporal.common.SearchAttributes;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "start",
    mixinStandardHelpOptions = true,
    description = {
      "Start a move from a plan file. It runs preflight, prepares the target, copies once to time the",
      "blackout, then waits for `cutover confirm APP`: nothing cuts over by itself."
    })
class StartCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(paramLabel = "PLAN", description = "The plan file (YAML).")
  Path plan;

  @Option(names = "--wait", description = "Follow the move until it ends; exit with its outcome's code.")
  boolean wait;

  @Option(names = "--rehearsal", description = "Preflight, prepare and a timed copy only; never freezes.")
  boolean rehearsal;

  @Option(names = "--by", description = "Who starts it (default: your user name).", defaultValue = "${sys:user.name}")
  String by;

  @Override
  public Integer call() throws InterruptedException {
    Plan p = PlanFiles.load(plan);
    WorkflowClient client = connection.client();
    String runId = start(client, p, true);
    spec.commandLine().getOut().printf("started %sthe move of %s (%s -> %s): workflow %s, run %s%n",
        rehearsal ? "a rehearsal of " : "", p.app(), p.source().name(), p.target().name(), p.workflowId(), runId);
    if (!wait) {
      spec.commandLine().getOut().printf("follow it with `cutover watch %s`; it will wait for `cutover confirm %s`%n",
          p.app(), p.app());
      return ExitCode.OK;
    }
    return new Watcher(spec.commandLine().getOut(), client, p.app()).follow();
  }

  private String start(WorkflowClient client, Plan p, boolean withSearchAttributes) {
    WorkflowOptions.Builder options = WorkflowOptions.newBuilder()
        .setWorkflowId(p.workflowId())
        .setTaskQueue(TaskQueues.MAIN)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE);
    if (withSearchAttributes) {
      options.setTypedSearchAttributes(SearchAttributes.newBuilder()
          .set(CutoverSearchAttributes.APP, p.app())
          .set(CutoverSearchAttributes.PHASE, "PREFLIGHT")
          .build());
    }
    CutoverWorkflow workflow = client.newWorkflowStub(CutoverWorkflow.class, options.build());
    try {
      return WorkflowClient.start(workflow::run, new CutoverRequest(p, rehearsal, by)).getRunId();
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new CliException(ExitCode.USAGE, "a move of " + p.app() + " is already running (workflow "
          + e.getExecution().getWorkflowId() + ", run " + e.getExecution().getRunId() + "); see `cutover status "
          + p.app() + "`, or stop it with `cutover abort " + p.app() + "`");
    } catch (WorkflowServiceException e) {
      if (withSearchAttributes && e.getCause() instanceof StatusRuntimeException s
          && s.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
        spec.commandLine().getErr().println("note: this Temporal namespace has no CutoverApp/CutoverPhase search"
            + " attributes; starting without them (docs/operations.md says how to add them)");
        return start(client, p, false);
      }
      throw e;
    }
  }
}
