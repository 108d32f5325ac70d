package dev.cutover.cli;

import dev.cutover.plan.Plan;
import dev.cutover.workflow.CutoverRequest;
import dev.cutover.workflow.CutoverRequest.Recover;
import io.temporal.client.WorkflowClient;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "recover",
    mixinStandardHelpOptions = true,
    description = {
      "Finish or undo a move whose Temporal history was lost, from what the databases recorded.",
      "It reads the journal the move left on its source database and the marker on its target, says what it",
      "found, and runs a new workflow: a move whose target went live is finished (it may hold users' writes);",
      "any other is rolled back to exactly the state before it, unless you ask to --finish it, which proves",
      "the copy at the verify gate first. Asking for it is the confirmation."
    })
class RecoverCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(paramLabel = "PLAN", description = "The plan file the lost move was started with.")
  Path plan;

  @ArgGroup(exclusive = true)
  Choice choice;

  static class Choice {
    @Option(names = "--finish", required = true,
        description = "Finish the move if its copy proves identical (re-verify, switch, verify live); else roll back.")
    boolean finish;

    @Option(names = "--rollback", required = true,
        description = "Undo the move (refused when its target is live: that could lose users' writes).")
    boolean rollback;
  }

  @Option(names = "--wait", description = "Follow the recovery until it ends; exit with its outcome's code.")
  boolean wait;

  @Option(names = "--by", description = "Who asks for it (default: your user name).", defaultValue = "${sys:user.name}")
  String by;

  @Override
  public Integer call() throws InterruptedException {
    Plan p = PlanFiles.load(plan);
    Recover mode = choice == null ? Recover.AUTO : choice.finish ? Recover.FINISH : Recover.ROLLBACK;
    WorkflowClient client = connection.client();
    String runId = Moves.start(client, CutoverRequest.recover(p, by, mode), spec.commandLine().getErr());
    spec.commandLine().getOut().printf("started the recovery of %s (%s): workflow %s, run %s%n",
        p.app(), mode == Recover.AUTO ? "finish if its target is live, else roll back" : mode.name().toLowerCase(),
        p.workflowId(), runId);
    if (!wait) {
      spec.commandLine().getOut().printf("follow it with `cutover watch %s`%n", p.app());
      return ExitCode.OK;
    }
    return new Watcher(spec.commandLine().getOut(), client, p.app()).follow();
  }
}
