package dev.cutover.cli;

import dev.cutover.plan.Plan;
import dev.cutover.workflow.CutoverRequest;
import io.temporal.client.WorkflowClient;
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
      "Start a move from a plan file; it waits for `cutover confirm APP` before anything cuts over.",
      "It runs preflight, prepares the target and copies once to time the blackout, then waits at the",
      "confirm gate: nothing cuts over by itself."
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
    String runId = Moves.start(client, CutoverRequest.move(p, rehearsal, by), spec.commandLine().getErr());
    spec.commandLine().getOut().printf("started %sthe move of %s (%s -> %s): workflow %s, run %s%n",
        rehearsal ? "a rehearsal of " : "", p.app(), p.source().name(), p.target().name(), p.workflowId(), runId);
    if (!wait) {
      spec.commandLine().getOut().printf("follow it with `cutover watch %s`; it will wait for `cutover confirm %s`%n",
          p.app(), p.app());
      return ExitCode.OK;
    }
    return new Watcher(spec.commandLine().getOut(), client, p.app()).follow();
  }
}
