package dev.cutover.hosts;

import java.time.Duration;
import java.util.List;

/** Runs an argument list on one box, however that box is reached. Exit codes are the command's own. */
interface Executor {

  /** How messages name the box, e.g. "home" or "home (ssh ops@home)". */
  String where();

  ProcessRunner.Result run(List<String> argv, Duration timeout);

  /** Keeps stdout whole up to {@code maxBytes}: for reading files and headers, never for messages. */
  ProcessRunner.Captured capture(List<String> argv, Duration timeout, int maxBytes);

  /** True when the box is this machine, so files can be read with Java instead of a command. */
  boolean isLocal();
}
