package dev.cutover.cli;

import dev.cutover.workflow.CutoverStatus;
import dev.cutover.workflow.FallbackWorkflow.FallbackStatus;
import dev.cutover.workflow.FleetStatus;
import java.time.Instant;
import io.temporal.client.WorkflowClient;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Where a move stands: phase, every step, findings, fingerprints, blackout.",
      "With --fleet NAME: one line per app of the fleet (phase, gate, outcome, blackout, lost), and totals."
    })
class StatusCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(paramLabel = "APP", arity = "0..1", description = "The app whose move to show.")
  String app;

  @Option(names = "--fleet", paramLabel = "NAME", description = "Show the fleet NAME instead (its fleet: key).")
  String fleet;

  @Option(names = "--json", description = "The status as JSON (a stable shape for scripts).")
  boolean json;

  @Override
  public Integer call() {
    Fleets.requireOne(app, fleet, "status");
    WorkflowClient client = connection.client();
    if (fleet != null) {
      FleetStatus status = Fleets.status(client, fleet);
      spec.commandLine().getOut().print(json ? Json.write(status) + "\n" : FleetView.render(status));
      return ExitCode.OK;
    }
    Moves.Move move = Moves.describe(client, app);
    CutoverStatus status = Moves.status(client, move);
    List<Moves.PendingActivity> pending = Moves.pending(client, move);
    // A completed move may keep its old box current: its watcher says how the reverse stream stands.
    FallbackStatus kept = move.running() ? null : Fallbacks.find(client, app);
    spec.commandLine().getOut().print(json
        ? Json.write(Json.with(Json.with(status, "pendingActivities", pending), "fallback", kept)) + "\n"
        : StatusView.render(status) + StatusView.pending(pending) + fleetNote(move)
            + (kept == null ? "" : Fallbacks.render(kept, app, Instant.now())));
    return ExitCode.OK;
  }

  /** A move of a fleet is confirmed through its fleet: the gate line above names the app's own command. */
  private static String fleetNote(Moves.Move move) {
    return move.fleet() == null ? "" : "\nthis move belongs to the fleet " + move.fleet() + ": confirm it with `cutover"
        + " confirm --fleet " + move.fleet() + "`; see every app with `cutover status --fleet " + move.fleet() + "`\n";
  }
}
