package dev.cutover.cli;

import dev.cutover.workflow.CutoverStatus;
import io.temporal.client.WorkflowClient;
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
    CutoverStatus status = Moves.status(client, Moves.describe(client, app));
    spec.commandLine().getOut().print(json ? Json.write(status) + "\n" : StatusView.render(status));
    return ExitCode.OK;
  }
}
