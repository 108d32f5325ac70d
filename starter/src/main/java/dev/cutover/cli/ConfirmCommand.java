package dev.cutover.cli;

import dev.cutover.workflow.CutoverStatus;
import dev.cutover.workflow.CutoverWorkflow;
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
    description = "Let a move waiting at the confirm gate settle, freeze and cut over.")
class ConfirmCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(paramLabel = "APP", description = "The app whose move to confirm.")
  String app;

  @Option(names = "--by", description = "Who confirms (default: your user name).", defaultValue = "${sys:user.name}")
  String by;

  @Override
  public Integer call() {
    WorkflowClient client = connection.client();
    CutoverStatus status = Moves.runningStatus(client, app, "confirm");
    // The workflow decides whether the confirm counts (an update with a validator), not this status, read
    // earlier: an abort may have landed since.
    Moves.decide(client, app, "confirm", move -> move.confirmMove(new CutoverWorkflow.Confirmation(by)));
    spec.commandLine().getOut().printf("confirmed the move of %s as %s%s; follow it with `cutover watch %s`%n",
        app, by, status.stale() ? " (it was stale: it waited longer than confirm.staleAfter)" : "", app);
    return ExitCode.OK;
  }
}
