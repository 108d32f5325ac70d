package dev.cutover.hosts;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The worker's own machine: the argument list is run directly, no shell anywhere. */
final class LocalExecutor implements Executor {

  private final String box;

  LocalExecutor(String box) {
    this.box = box;
  }

  @Override
  public String where() {
    return box;
  }

  @Override
  public ProcessRunner.Result run(List<String> argv, Duration timeout) {
    return ProcessRunner.run(argv, Map.of(), timeout, argv.get(0) + " on " + box);
  }

  @Override
  public ProcessRunner.Captured capture(List<String> argv, Duration timeout, int maxBytes) {
    return ProcessRunner.capture(argv, Map.of(), timeout, argv.get(0) + " on " + box, maxBytes);
  }

  @Override
  public boolean isLocal() {
    return true;
  }
}
