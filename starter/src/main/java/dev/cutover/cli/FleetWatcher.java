package dev.cutover.cli;

import dev.cutover.workflow.FleetResult;
import dev.cutover.workflow.FleetStatus;
import dev.cutover.workflow.Outcome;
import io.temporal.client.WorkflowClient;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;

/**
 * Follows a fleet until every app has ended: one line each time an app's phase, gate or outcome changes (a
 * fleet of many apps does not fit a redrawn screen), then the fleet's table. Exits with the worst outcome's
 * code, so a script sees 0 only when every app completed.
 */
final class FleetWatcher {

  private static final long POLL_MILLIS = 500;
  /** As {@link Watcher}: a real cluster restarting answers again within this. */

  private final PrintWriter out;
  private final WorkflowClient client;
  private final String fleet;
  private final Map<String, String> printed = new HashMap<>();

  FleetWatcher(PrintWriter out, WorkflowClient client, String fleet) {
    this.out = out;
    this.client = client;
    this.fleet = fleet;
  }

  int follow() throws InterruptedException {
    Thread interrupted = new Thread(() -> {
      out.println();
      out.println("stopped following the fleet " + fleet + "; its moves go on. Follow it again with `cutover watch"
          + " --fleet " + fleet + "`, or stop it with `cutover abort --fleet " + fleet + "`.");
      out.flush();
    });
    Runtime.getRuntime().addShutdownHook(interrupted);
    try {
      return followUntilEnd();
    } finally {
      try {
        Runtime.getRuntime().removeShutdownHook(interrupted);
      } catch (IllegalStateException shuttingDown) {
        // The hook is already running: Ctrl-C arrived as the fleet ended.
      }
    }
  }

  private int followUntilEnd() throws InterruptedException {
    OutageGrace outage = new OutageGrace(out);
    while (true) {
      try {
        if (!Fleets.running(client, fleet)) {
          FleetResult result = Fleets.result(client, fleet);
          show(result.status());
          out.println();
          out.print(FleetView.render(result.status()));
          out.println(result.summary());
          out.flush();
          return result.apps().stream().map(FleetResult.AppOutcome::outcome)
              .mapToInt(o -> o == null ? Outcome.FAILED.exitCode() : o.exitCode()).max().orElse(ExitCode.OK);
        }
        show(Fleets.status(client, fleet));
        outage.answered();
      } catch (CliException noWorker) {
        if (noWorker.exitCode() != ExitCode.NEEDS_HUMAN) {
          throw noWorker;
        }
        // A worker restarting is normal; the fleet waits for it, and so does watch.
        if (!noWorker.getMessage().equals(printed.put("", noWorker.getMessage()))) {
          out.println("(" + noWorker.getMessage() + ")");
          out.flush();
        }
      } catch (RuntimeException e) {
        outage.failed(e);
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  private void show(FleetStatus status) {
    for (FleetStatus.App app : status.apps()) {
      String line = String.format("%-20s %-12s %s%s", app.app(), app.phase() == null ? "-" : app.phase(),
          app.gate().name().toLowerCase().replace('_', ' '), app.outcome() == null ? "" : "   " + app.outcome()
              + (app.summary() == null ? "" : ": " + app.summary()));
      if (!line.equals(printed.put(app.app(), line))) {
        out.println(line);
      }
    }
    out.flush();
  }
}
