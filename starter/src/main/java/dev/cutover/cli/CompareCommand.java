package dev.cutover.cli;

import dev.cutover.plan.Plan;
import dev.cutover.plan.TableSelection;
import dev.cutover.plan.Verify;
import dev.cutover.workflow.CompareWorkflow;
import dev.cutover.workflow.CompareWorkflow.CompareRequest;
import dev.cutover.workflow.CompareWorkflow.CompareResult;
import dev.cutover.workflow.TaskQueues;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = {
      "Fingerprint both databases of a plan now and compare them, moving nothing; exit 0 equal, 1 different.",
      "Differing tables are named with their key ranges and up to 20 differing keys on each side."
    })
class CompareCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(paramLabel = "PLAN", description = "The plan file (YAML).")
  Path plan;

  @Option(names = "--tables", split = ",", paramLabel = "TABLE", description = "Only these tables (default: the plan's verify.tables).")
  List<String> tables;

  @Option(names = "--json", description = "The comparison as JSON.")
  boolean json;

  @Option(names = "--show-rows", description = "Also show the differing rows themselves (they may be personal data,"
      + " and are kept in the Temporal history of the comparison).")
  boolean showRows;

  @Override
  public Integer call() {
    Plan p = PlanFiles.load(plan);
    Verify verify = tables == null ? p.verify() : p.verify().withTables(new TableSelection(tables));
    WorkflowClient client = connection.client();
    CompareWorkflow workflow = client.newWorkflowStub(CompareWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(CompareWorkflow.workflowIdFor(p.app()))
        .setTaskQueue(TaskQueues.MAIN)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .build());
    CompareResult result;
    try {
      result = workflow.compare(new CompareRequest(p, verify, showRows));
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new CliException(ExitCode.USAGE, "a comparison of " + p.app() + " is already running");
    }
    if (json) {
      spec.commandLine().getOut().println(Json.write(result));
    } else {
      spec.commandLine().getOut().print(StatusView.fingerprints(result.tables()));
      for (var d : result.differences()) {
        spec.commandLine().getOut().printf("differing keys in %s: on %s %s, on %s %s%s%n", d.table(),
            p.source().name(), d.sourceKeys(), p.target().name(), d.targetKeys(), d.truncated() ? " (more not shown)" : "");
        d.sourceRows().forEach((key, row) -> spec.commandLine().getOut().printf("  %s %s: %s%n", p.source().name(), key, row));
        d.targetRows().forEach((key, row) -> spec.commandLine().getOut().printf("  %s %s: %s%n", p.target().name(), key, row));
      }
      spec.commandLine().getOut().printf("compared in %d ms%n", result.millis());
    }
    return result.allMatch() ? ExitCode.OK : ExitCode.DIFFERENT;
  }
}
