package dev.cutover.cli;

import dev.cutover.workflow.CutoverStatus;
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
    description = "Where a move stands: phase, every step, findings, fingerprints, blackout.")
class StatusCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(paramLabel = "APP", description = "The app whose move to show.")
  String app;

  @Option(names = "--json", description = "The status as JSON (a stable shape for scripts).")
  boolean json;

  @Override
  public Integer call() {
    WorkflowClient client = connection.client();
    Moves.Move move = Moves.describe(client, app);
    CutoverStatus status = Moves.status(client, move);
    List<Moves.PendingActivity> pending = Moves.pending(client, move);
    spec.commandLine().getOut().print(json
        ? Json.write(Json.with(status, "pendingActivities", pending)) + "\n"
        : StatusView.render(status) + StatusView.pending(pending));
    return ExitCode.OK;
  }
}
