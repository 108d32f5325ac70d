package dev.cutover.cli;

import dev.cutover.workflow.CutoverStatus;
import dev.cutover.workflow.CutoverWorkflow;
import dev.cutover.workflow.Phase;
import io.temporal.client.WorkflowClient;
import java.util.EnumSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "abort",
    mixinStandardHelpOptions = true,
    description = {
      "Stop a move before its switch; every step taken is undone and the source serves again.",
      "After the switch has begun, use `cutover rollback`.",
      "With --fleet NAME: every app of the fleet not yet switched aborts; apps whose switch has begun complete."
    })
class AbortCommand implements Callable<Integer> {

  private static final EnumSet<Phase> TOO_LATE = EnumSet.of(Phase.SWITCH, Phase.VERIFY_LIVE, Phase.REPORT);

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(paramLabel = "APP", arity = "0..1", description = "The app whose move to abort.")
  String app;

  @Option(names = "--fleet", paramLabel = "NAME", description = "Abort the fleet NAME instead.")
  String fleet;

  @Option(names = "--reason", description = "Why; recorded in status and the report.")
  String reason;

  @Option(names = "--by", description = "Who aborts (default: your user name).", defaultValue = "${sys:user.name}")
  String by;

  @Override
  public Integer call() {
    Fleets.requireOne(app, fleet, "abort");
    WorkflowClient client = connection.client();
    if (fleet != null) {
      Fleets.decide(client, fleet, "abort", f -> f.abortFleet(new CutoverWorkflow.AbortRequest(by, reason)));
      spec.commandLine().getOut().printf("asked the fleet %s to abort (by %s%s): every app not yet switched compensates"
          + " every step taken; apps whose switch has begun complete; follow it with `cutover status --fleet %s`%n",
          fleet, by, reason == null ? "" : ": " + reason, fleet);
      return ExitCode.OK;
    }
    CutoverStatus status = Moves.runningStatus(client, app, "abort");
    if (TOO_LATE.contains(status.phase())) {
      throw new CliException(ExitCode.USAGE, "the move of " + app + " is in " + status.phase()
          + ": the switch has begun, so abort no longer applies; use `cutover rollback " + app + "`");
    }
    Moves.decide(client, app, "abort", move -> move.abortMove(new CutoverWorkflow.AbortRequest(by, reason)));
    spec.commandLine().getOut().printf("asked the move of %s to abort (by %s%s); it compensates every step taken;"
        + " follow it with `cutover watch %s`%n", app, by, reason == null ? "" : ": " + reason, app);
    return ExitCode.OK;
  }
}
