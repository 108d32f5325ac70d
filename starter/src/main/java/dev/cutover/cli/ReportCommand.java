package dev.cutover.cli;

import dev.cutover.workflow.CutoverResult;
import dev.cutover.workflow.FleetResult;
import io.temporal.client.WorkflowClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "The final report of an ended move: outcome, timeline, fingerprints, blackout.",
      "With --fleet NAME: every app of an ended fleet, one line each; `cutover report APP` for one app's whole story."
    })
class ReportCommand implements Callable<Integer> {

  enum Format { md, json }

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(paramLabel = "APP", arity = "0..1", description = "The app whose move to report.")
  String app;

  @Option(names = "--fleet", paramLabel = "NAME", description = "Report the fleet NAME instead.")
  String fleet;

  @Option(names = "--format", defaultValue = "md", description = "md or json (default ${DEFAULT-VALUE}).")
  Format format;

  @Override
  public Integer call() {
    Fleets.requireOne(app, fleet, "report");
    WorkflowClient client = connection.client();
    if (fleet != null) {
      return reportFleet(client);
    }
    Moves.Move move = Moves.describe(client, app);
    if (move.running()) {
      throw new CliException(ExitCode.USAGE, "the move of " + app + " is still running; see `cutover status " + app + "`");
    }
    CutoverResult result = Moves.result(client, move);
    if (format == Format.json) {
      spec.commandLine().getOut().println(Json.write(result));
    } else {
      spec.commandLine().getOut().printf("# cutover report: %s%n%n**%s**: %s%n%n```%n%s```%n",
          app, result.outcome(), result.summary(), StatusView.render(result.status()));
    }
    return ExitCode.OK;
  }

  private int reportFleet(WorkflowClient client) {
    if (Fleets.running(client, fleet)) {
      throw new CliException(ExitCode.USAGE, "the fleet " + fleet + " is still running; see `cutover status --fleet "
          + fleet + "`");
    }
    FleetResult result = Fleets.result(client, fleet);
    if (format == Format.json) {
      spec.commandLine().getOut().println(Json.write(result));
    } else {
      spec.commandLine().getOut().printf("# cutover report: fleet %s%n%n**%s**%n%n```%n%s```%n", fleet, result.summary(),
          FleetView.render(result.status()));
    }
    return ExitCode.OK;
  }
}
