package dev.cutover.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "dev-server",
    mixinStandardHelpOptions = true,
    description = {
      "Run a Temporal service on 127.0.0.1: the Temporal CLI's dev server if installed, else the SDK's.",
      "With `temporal` on PATH it runs `temporal server start-dev`, which keeps every move in a state file and",
      "has the web UI (port + 1000). Otherwise it runs the Java SDK's embedded service, in memory: if it stops,",
      "its moves are gone, and `cutover recover PLAN` finishes or undoes a lost one from the databases. A real",
      "move can also use a Temporal cluster or Temporal Cloud (set TEMPORAL_ADDRESS)."
    })
class DevServerCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--port", defaultValue = "7233", description = "Port on 127.0.0.1 (default ${DEFAULT-VALUE}).")
  int port;

  @Option(names = "--embedded", description = "Run the embedded, in-memory service even when the Temporal CLI is installed.")
  boolean embedded;

  @Option(names = "--state", paramLabel = "FILE",
      description = "The Temporal CLI's state file (default .cutover/temporal.db in this checkout).")
  Path state;

  @Override
  public Integer call() throws InterruptedException {
    Optional<Path> cli = embedded ? Optional.empty() : TemporalCli.find(System.getenv("PATH"));
    if (cli.isPresent()) {
      return runCli(cli.get());
    }
    EmbeddedTemporal temporal = EmbeddedTemporal.start(port);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      temporal.close();
      stopped.countDown();
    }));
    spec.commandLine().getOut().printf(
        "embedded Temporal service listening on %s (namespace default, in memory: a restart forgets every move;"
            + " the databases keep each move's journal, and `cutover recover PLAN` finishes or undoes a lost one)%n"
            + "stop it with Ctrl-C%n", temporal.address());
    spec.commandLine().getOut().flush();
    stopped.await();
    return ExitCode.OK;
  }

  private int runCli(Path temporal) throws InterruptedException {
    Path file = state != null ? state : Path.of(System.getProperty("cutover.home", "."), ".cutover", "temporal.db");
    List<String> argv = TemporalCli.startDev(temporal, port, file.toAbsolutePath());
    Process server;
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      server = new ProcessBuilder(argv).inheritIO().start();
    } catch (IOException e) {
      throw new CliException(ExitCode.USAGE, "cannot run " + temporal + ": " + e.getMessage()
          + " (use --embedded for the in-memory service)", e);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(server::destroy));
    spec.commandLine().getOut().printf("Temporal CLI dev server (%s) on 127.0.0.1:%d, web UI on 127.0.0.1:%d;"
        + " moves are kept in %s%nstop it with Ctrl-C%n", temporal, port, port + 1000, file.toAbsolutePath());
    spec.commandLine().getOut().flush();
    int exit = server.waitFor();
    return exit == 0 ? ExitCode.OK : ExitCode.NEEDS_HUMAN;
  }
}
