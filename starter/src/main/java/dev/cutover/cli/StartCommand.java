package dev.cutover.cli;

import dev.cutover.plan.Fleet;
import dev.cutover.plan.FleetConfirm;
import dev.cutover.plan.Plan;
import dev.cutover.workflow.CutoverRequest;
import dev.cutover.workflow.FleetRequest;
import dev.cutover.workflow.FleetWorkflow;
import io.temporal.client.WorkflowClient;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
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
      "confirm gate: nothing cuts over by itself.",
      "A fleet file (`fleet:` key) starts one move per plan it lists under one fleet workflow; they wait for",
      "`cutover confirm --fleet NAME`, at most maxConcurrent past their gates at once."
    })
class StartCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(paramLabel = "PLAN", description = "The plan file, or a fleet file (YAML).")
  Path plan;

  @Option(names = "--wait", description = "Follow the move until it ends; exit with its outcome's code.")
  boolean wait;

  @Option(names = "--rehearsal", description = "Preflight, prepare and a timed copy only; never freezes.")
  boolean rehearsal;

  @Option(names = "--by", description = "Who starts it (default: your user name).", defaultValue = "${sys:user.name}")
  String by;

  @Override
  public Integer call() throws InterruptedException {
    PlanFiles.Loaded loaded = PlanFiles.loadPlanOrFleet(plan);
    if (loaded.fleet() != null) {
      return startFleet(loaded.fleet());
    }
    Plan p = loaded.plan();
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

  private int startFleet(Fleet fleet) throws InterruptedException {
    if (rehearsal) {
      throw new CliException(ExitCode.USAGE, "--rehearsal is for one app's plan: rehearse each plan of the fleet on"
          + " its own");
    }
    WorkflowClient client = connection.client();
    String runId = Fleets.start(client,
        new FleetRequest(fleet.name(), fleet.plans(), fleet.maxConcurrent(), fleet.confirm(), by));
    spec.commandLine().getOut().printf("started the fleet %s: %d apps (%s), at most %d past their gates at once,"
        + " confirm %s: workflow %s, run %s%n", fleet.name(), fleet.plans().size(),
        fleet.plans().stream().map(Plan::app).collect(Collectors.joining(", ")), fleet.maxConcurrent(),
        fleet.confirm() == FleetConfirm.EACH ? "each" : "batch", FleetWorkflow.workflowIdFor(fleet.name()), runId);
    spec.commandLine().getOut().printf("follow it with `cutover watch --fleet %s`; it will wait for `cutover confirm"
        + " --fleet %s%s`%n", fleet.name(), fleet.name(), fleet.confirm() == FleetConfirm.EACH ? " --each APP" : "");
    spec.commandLine().getOut().flush();
    return wait ? new FleetWatcher(spec.commandLine().getOut(), client, fleet.name()).follow() : ExitCode.OK;
  }
}
