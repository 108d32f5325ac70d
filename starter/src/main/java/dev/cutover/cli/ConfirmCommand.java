package dev.cutover.cli;

import dev.cutover.workflow.CutoverStatus;
import dev.cutover.workflow.CutoverWorkflow;
import dev.cutover.workflow.Decision;
import dev.cutover.workflow.FleetWorkflow;
import io.temporal.client.WorkflowClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "confirm",
    mixinStandardHelpOptions = true,
    description = {
      "Let a move waiting at the confirm gate settle, freeze and cut over.",
      "A fleet is confirmed as a whole with --fleet NAME, or one app at a time with --fleet NAME --each APP",
      "(confirm: each); the fleet lets at most maxConcurrent apps past their gates at once. An app of a fleet",
      "cannot be confirmed on its own: that would bypass maxConcurrent."
    })
class ConfirmCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(paramLabel = "APP", arity = "0..1", description = "The app whose move to confirm.")
  String app;

  @Option(names = "--fleet", paramLabel = "NAME", description = "Confirm the fleet NAME (every app, confirm: batch).")
  String fleet;

  @Option(names = "--each", paramLabel = "APP", description = "With --fleet: confirm this one app (confirm: each).")
  String each;

  @Option(names = "--by", description = "Who confirms (default: your user name).", defaultValue = "${sys:user.name}")
  String by;

  @Override
  public Integer call() {
    Fleets.requireOne(app, fleet, "confirm");
    WorkflowClient client = connection.client();
    if (fleet != null) {
      return confirmFleet(client);
    }
    if (each != null) {
      throw new CliException(ExitCode.USAGE, "--each names an app of a fleet: `cutover confirm --fleet NAME --each "
          + each + "`");
    }
    Moves.Move found = Moves.describe(client, app);
    if (found.fleet() != null && found.running()) {
      // The fleet passes confirms on only while a slot is free: a confirm sent to the app itself would not wait.
      throw new CliException(ExitCode.USAGE, "the move of " + app + " belongs to the fleet " + found.fleet()
          + ", which lets at most maxConcurrent apps past their gates at once: confirm it through the fleet, `cutover"
          + " confirm --fleet " + found.fleet() + "` (or `--fleet " + found.fleet() + " --each " + app
          + "` when the fleet confirms each app on its own)");
    }
    CutoverStatus status = Moves.runningStatus(client, app, "confirm");
    // The workflow decides whether the confirm counts (an update with a validator), not this status, read
    // earlier: an abort may have landed since.
    Moves.decide(client, app, "confirm", move -> move.confirmMove(new CutoverWorkflow.Confirmation(by)));
    spec.commandLine().getOut().printf("confirmed the move of %s as %s%s; follow it with `cutover watch %s`%n",
        app, by, status.stale() ? " (it was stale: it waited longer than confirm.staleAfter)" : "", app);
    return ExitCode.OK;
  }

  private int confirmFleet(WorkflowClient client) {
    Decision decided = Fleets.decide(client, fleet, "confirm",
        f -> f.confirmFleet(new FleetWorkflow.FleetConfirmation(by, each)));
    spec.commandLine().getOut().printf("confirmed %s of the fleet %s as %s; the fleet lets them past their gates at"
        + " most maxConcurrent at a time; follow it with `cutover status --fleet %s`%n",
        each == null ? "every app" : "the app " + each, fleet, decided.by(), fleet);
    return ExitCode.OK;
  }
}
