package dev.cutover.hosts;

import dev.cutover.plan.Host;
import io.temporal.activity.ActivityInterface;
import java.time.Duration;
import java.util.List;

/** Runs the plan's commands on a box: stop and start the app, the writers, the jobs. */
@ActivityInterface
public interface HostActivities {

  /** Runs one argument list (never through a shell); a non-zero exit fails with stderr's tail. */
  CommandResult run(CommandRequest request);

  record CommandRequest(String box, Host host, String purpose, List<String> argv, Duration timeout) {}

  record CommandResult(int exitCode, long millis, String stdoutTail, String stderrTail) {}
}
