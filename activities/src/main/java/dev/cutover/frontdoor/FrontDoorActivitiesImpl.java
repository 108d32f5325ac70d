package dev.cutover.frontdoor;

import dev.cutover.hosts.ProcessRunner;
import dev.cutover.plan.FrontDoor;
import dev.cutover.workflow.CutoverFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The front-door providers. This build has {@code command}; Cloudflare and Caddy arrive with issue 5. */
public class FrontDoorActivitiesImpl implements FrontDoorActivities {

  private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);

  @Override
  public FrontDoorResult check(FrontDoorRequest request) {
    FrontDoor.Command command = commandProvider(request.frontDoor());
    for (List<String> argv : List.of(command.switchCommand(), command.revert())) {
      if (!isRunnable(argv.get(0))) {
        throw CutoverFailure.COMMAND_NOT_FOUND.failure(
            "front door command '" + argv.get(0) + "' is not an executable on this worker's PATH");
      }
    }
    return new FrontDoorResult("command", request.side(), "switch and revert commands found");
  }

  @Override
  public FrontDoorResult pointAt(FrontDoorRequest request) {
    FrontDoor.Command command = commandProvider(request.frontDoor());
    List<String> argv = request.side() == Side.TARGET ? command.switchCommand() : command.revert();
    ProcessRunner.Result result = ProcessRunner.run(argv, Map.of(), COMMAND_TIMEOUT);
    if (result.exitCode() != 0) {
      throw CutoverFailure.FRONT_DOOR_FAILED.failure(
          "front door " + (request.side() == Side.TARGET ? "switch" : "revert") + " command exited "
              + result.exitCode() + (result.stderrTail().isEmpty() ? "" : ": " + result.stderrTail()));
    }
    return new FrontDoorResult(
        "command", request.side(), "ran " + argv.get(0) + " (exit 0 in " + result.millis() + " ms)");
  }

  private static FrontDoor.Command commandProvider(FrontDoor frontDoor) {
    if (frontDoor instanceof FrontDoor.Command command) {
      return command;
    }
    throw CutoverFailure.NOT_SUPPORTED.failure(
        "front door type '" + frontDoor.type() + "' is not supported yet; use type: command");
  }

  static boolean isRunnable(String program) {
    if (program.contains("/")) {
      return Files.isExecutable(Path.of(program));
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
