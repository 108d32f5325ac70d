package dev.cutover.cli;

import dev.cutover.workflow.CutoverRequest;
import dev.cutover.workflow.CutoverResult;
import dev.cutover.workflow.FallbackWorkflow.Closing;
import dev.cutover.workflow.FallbackWorkflow.FallbackStatus;
import dev.cutover.workflow.Outcome;
import io.temporal.client.WorkflowClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "rollback",
    mixinStandardHelpOptions = true,
    description = {
      "Move an app back to the box it came from, after its switch, losing nothing.",
      "It is a full move in reverse (freeze, copy, verify, switch) over the fenced fallback, so what users",
      "did on the new box comes back with it. With a rollback window (copy.rollbackWindow) it takes over",
      "the reverse stream that kept the fallback current, and its freeze only catches up. Asking for it is",
      "the confirmation. Before a switch, use `cutover abort` instead."
    })
class RollbackCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(paramLabel = "APP", description = "The app to move back.")
  String app;

  @Option(names = "--wait", description = "Follow the rollback until it ends; exit with its outcome's code.")
  boolean wait;

  @Option(names = "--by", description = "Who asks for it (default: your user name).", defaultValue = "${sys:user.name}")
  String by;

  @Override
  public Integer call() throws InterruptedException {
    WorkflowClient client = connection.client();
    Moves.Move move = Moves.describe(client, app);
    if (move.running()) {
      throw new CliException(ExitCode.USAGE, "the move of " + app + " is still running: before its switch stop it"
          + " with `cutover abort " + app + "`; a move that fails after its switch rolls back by itself when it can");
    }
    CutoverResult last = Moves.result(client, move);
    if (last.outcome() != Outcome.COMPLETED && last.outcome() != Outcome.FAILED) {
      throw new CliException(ExitCode.USAGE, "nothing to roll back: the last move of " + app + " ended "
          + last.outcome() + ", and " + last.status().source() + " serves");
    }
    CutoverRequest original = Moves.input(client, move);
    boolean adopt = takeOverStream(client);
    CutoverRequest back = CutoverRequest.rollback(original.plan().reversed(), by, !original.reverse(), adopt);
    String runId = Moves.start(client, back, spec.commandLine().getErr());
    spec.commandLine().getOut().printf("started the rollback of %s (%s -> %s): workflow %s, run %s%n",
        app, back.plan().source().name(), back.plan().target().name(), back.plan().workflowId(), runId);
    if (!wait) {
      spec.commandLine().getOut().printf("follow it with `cutover watch %s`%n", app);
      return ExitCode.OK;
    }
    return new Watcher(spec.commandLine().getOut(), client, app).follow();
  }

  /**
   * A move that kept its old box current hands its reverse stream to the rollback, which then only catches up;
   * a broken one is handed over too (the rollback removes it and copies). Says which it will be.
   */
  private boolean takeOverStream(WorkflowClient client) {
    FallbackStatus kept = Fallbacks.find(client, app);
    if (kept == null || !kept.running()) {
      return false;
    }
    FallbackStatus handed = Fallbacks.decide(client, app, "take over", w -> w.handOver(new Closing(by)));
    boolean streaming = handed.last() != null && handed.last().streaming();
    spec.commandLine().getOut().println(streaming
        ? "the reverse stream has kept " + handed.fallbackBox() + " current: the rollback takes it over and its freeze"
            + " only catches up"
        : "the reverse stream is broken (" + (handed.last() == null ? "never looked at" : handed.last().broken())
            + "): the rollback removes it and copies everything in its freeze");
    return true;
  }
}
