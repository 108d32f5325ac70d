package dev.cutover.frontdoor;

import dev.cutover.hosts.ProcessRunner;
import dev.cutover.plan.FrontDoor;
import dev.cutover.workflow.CutoverFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import okhttp3.OkHttpClient;

/** The front-door providers, chosen by the plan's {@code frontDoor.type}. */
public class FrontDoorActivitiesImpl implements FrontDoorActivities {

  private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);

  private final CloudflareTunnelDoor cloudflare;
  private final CaddyDoor caddy;

  public FrontDoorActivitiesImpl() {
    this(
        new OkHttpClient.Builder()
            .connectTimeout(5, TimeUnit.SECONDS)
            .readTimeout(30, TimeUnit.SECONDS)
            .callTimeout(60, TimeUnit.SECONDS)
            // A write whose answer was lost must be re-read before it is sent again: Temporal retries do.
            .retryOnConnectionFailure(false)
            .build(),
        System::getenv);
  }

  /** {@code environment} looks up {@code tokenEnv}; tests pass a map instead of the process environment. */
  public FrontDoorActivitiesImpl(OkHttpClient http, UnaryOperator<String> environment) {
    this.cloudflare = new CloudflareTunnelDoor(http, environment);
    this.caddy = new CaddyDoor(http);
  }

  @Override
  public FrontDoorResult check(FrontDoorRequest request) {
    FrontDoor frontDoor = request.frontDoor();
    if (frontDoor instanceof FrontDoor.CloudflareTunnel door) {
      return cloudflare.check(door, request.side());
    }
    if (frontDoor instanceof FrontDoor.Caddy door) {
      return caddy.check(door, request.side());
    }
    return checkCommand((FrontDoor.Command) frontDoor, request.side());
  }

  @Override
  public FrontDoorResult hold(FrontDoorRequest request) {
    if (request.frontDoor() instanceof FrontDoor.Caddy door) {
      return caddy.hold(door, request.side());
    }
    return new FrontDoorResult(request.frontDoor().type(), request.side(),
        "this front door cannot hold requests; nothing to do");
  }

  @Override
  public FrontDoorResult pointAt(FrontDoorRequest request) {
    FrontDoor frontDoor = request.frontDoor();
    if (frontDoor instanceof FrontDoor.CloudflareTunnel door) {
      return cloudflare.pointAt(door, request.side());
    }
    if (frontDoor instanceof FrontDoor.Caddy door) {
      return caddy.pointAt(door, request.side());
    }
    return runCommand((FrontDoor.Command) frontDoor, request.side());
  }

  private static FrontDoorResult checkCommand(FrontDoor.Command command, Side side) {
    for (List<String> argv : List.of(command.switchCommand(), command.revert())) {
      if (!isRunnable(argv.get(0))) {
        throw CutoverFailure.COMMAND_NOT_FOUND.failure(
            "front door command '" + argv.get(0) + "' is not an executable on this worker's PATH");
      }
    }
    return new FrontDoorResult("command", side, "switch and revert commands found");
  }

  private static FrontDoorResult runCommand(FrontDoor.Command command, Side side) {
    List<String> argv = side == Side.TARGET ? command.switchCommand() : command.revert();
    ProcessRunner.Result result = ProcessRunner.run(argv, Map.of(), COMMAND_TIMEOUT);
    if (result.exitCode() != 0) {
      throw CutoverFailure.FRONT_DOOR_FAILED.failure(
          "front door " + (side == Side.TARGET ? "switch" : "revert") + " command exited "
              + result.exitCode() + (result.stderrTail().isEmpty() ? "" : ": " + result.stderrTail()));
    }
    return new FrontDoorResult(
        "command", side, "ran " + argv.get(0) + " (exit 0 in " + result.millis() + " ms)");
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
