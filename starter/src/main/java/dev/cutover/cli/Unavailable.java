package dev.cutover.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Commands of DESIGN.md whose capability is not built yet. Each parses its real arguments (so
 * {@code --help} is true) and then says plainly that it is not available, exit 2: never a fake success.
 */
final class Unavailable {

  private Unavailable() {}

  static Integer notYet(String command, String why) {
    throw new CliException(ExitCode.USAGE, "`cutover " + command + "` is not available in this build: " + why);
  }

  @Command(name = "bench", mixinStandardHelpOptions = true,
      description = "Benchmark copy, fingerprint and blackout; needs the full distribution (./cutover).")
  static final class Bench implements Callable<Integer> {
    @Option(names = "--sizes", split = ",", defaultValue = "S,M") List<String> sizes;

    @Override
    public Integer call() {
      return notYet("bench", "run it through ./cutover at the repository root, which includes the benchmark");
    }
  }

  @Command(name = "worker", mixinStandardHelpOptions = true,
      description = "Run the cutover worker; needs the full distribution (./cutover).")
  static final class Worker implements Callable<Integer> {
    @Override
    public Integer call() {
      return notYet("worker", "run it through ./cutover at the repository root, which includes the worker");
    }
  }

  @Command(name = "demo", mixinStandardHelpOptions = true,
      description = "Run the demo move; needs the full distribution (./cutover).")
  static final class Demo implements Callable<Integer> {
    @Override
    public Integer call() {
      return notYet("demo", "run it through ./cutover at the repository root, which includes the demo");
    }
  }
}
