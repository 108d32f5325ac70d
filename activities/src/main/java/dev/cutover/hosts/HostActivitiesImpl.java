package dev.cutover.hosts;

import dev.cutover.plan.Host;
import dev.cutover.workflow.CutoverFailure;
import java.util.Map;

/** Runs plan commands on the worker's own machine. Remote executors arrive with issue 5. */
public class HostActivitiesImpl implements HostActivities {

  @Override
  public CommandResult run(CommandRequest request) {
    if (request.host().exec() != Host.Exec.LOCAL) {
      throw CutoverFailure.NOT_SUPPORTED.failure(
          "host exec '" + request.host().exec().name().toLowerCase()
              + "' is not supported yet: this build runs commands locally only");
    }
    ProcessRunner.Result result = ProcessRunner.run(request.argv(), Map.of(), request.timeout());
    if (result.exitCode() != 0) {
      throw CutoverFailure.COMMAND_FAILED.failure(
          request.purpose() + " on " + request.box() + " (" + request.argv().get(0) + ") exited "
              + result.exitCode() + (result.stderrTail().isEmpty() ? "" : ": " + result.stderrTail()));
    }
    return new CommandResult(result.exitCode(), result.millis(), result.stdoutTail(), result.stderrTail());
  }
}
