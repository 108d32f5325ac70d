package dev.cutover.cli;

import dev.cutover.workflow.FallbackWorkflow.Closing;
import dev.cutover.workflow.FallbackWorkflow.FallbackStatus;
import io.temporal.client.WorkflowClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "close",
    mixinStandardHelpOptions = true,
    description = {
      "End a completed move's rollback window now, removing its reverse stream from both boxes.",
      "The stream that kept the old box current stops, and its slot, subscription and publication are",
      "dropped. The old box stays fenced, a fallback as of this moment; `cutover rollback` then copies",
      "everything again."
    })
class CloseCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(paramLabel = "APP", description = "The app whose move to close.")
  String app;

  @Option(names = "--by", description = "Who closes it (default: your user name).", defaultValue = "${sys:user.name}")
  String by;

  @Override
  public Integer call() {
    WorkflowClient client = connection.client();
    FallbackStatus kept = Fallbacks.find(client, app);
    if (kept == null) {
      throw new CliException(ExitCode.USAGE, "nothing to close: no move of " + app + " kept its old box current"
          + " (copy.rollbackWindow)");
    }
    if (!kept.running()) {
      throw new CliException(ExitCode.USAGE, "nothing to close: the reverse stream of " + app + " has already ended ("
          + kept.ended() + ")");
    }
    FallbackStatus closed = Fallbacks.decide(client, app, "close", w -> w.close(new Closing(by)));
    spec.commandLine().getOut().printf("closed the rollback window of %s: the reverse stream from %s is gone from both"
        + " boxes (%s); %s stays fenced, a fallback as of now%n", app, closed.liveBox(), closed.ended(),
        closed.fallbackBox());
    return ExitCode.OK;
  }
}
