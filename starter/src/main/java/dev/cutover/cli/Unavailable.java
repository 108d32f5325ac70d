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

  @Command(name = "compare", mixinStandardHelpOptions = true,
      description = "Fingerprint both databases of a plan now, moving nothing; exit 0 equal, 1 different (not yet built).")
  static final class Compare implements Callable<Integer> {
    @Parameters(paramLabel = "PLAN") Path plan;
    @Option(names = "--tables", split = ",") List<String> tables;
    @Option(names = "--json") boolean json;

    @Override
    public Integer call() {
      return notYet("compare", "it arrives with the database-engine work; every move already compares both sides"
          + " at its verify gate (see `cutover status APP`)");
    }
  }

  @Command(name = "worker", mixinStandardHelpOptions = true,
      description = "Run the cutover worker (Spring Boot). Needs the full distribution (./cutover).")
  static final class Worker implements Callable<Integer> {
    @Override
    public Integer call() {
      return notYet("worker", "run it through ./cutover at the repository root, which includes the worker");
    }
  }

  @Command(name = "demo", mixinStandardHelpOptions = true,
      description = "Run the demo move. Needs the full distribution (./cutover).")
  static final class Demo implements Callable<Integer> {
    @Override
    public Integer call() {
      return notYet("demo", "run it through ./cutover at the repository root, which includes the demo");
    }
  }
}
