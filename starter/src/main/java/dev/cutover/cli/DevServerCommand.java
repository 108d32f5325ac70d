package dev.cutover.cli;

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
      "Run the embedded Temporal service (the Java SDK's, in memory) on 127.0.0.1.",
      "Everything it knows is lost when it stops: for demos and tests. A real move wants a real",
      "Temporal cluster or Temporal Cloud (set TEMPORAL_ADDRESS)."
    })
class DevServerCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--port", defaultValue = "7233", description = "Port on 127.0.0.1 (default ${DEFAULT-VALUE}).")
  int port;

  @Override
  public Integer call() throws InterruptedException {
    EmbeddedTemporal temporal = EmbeddedTemporal.start(port);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      temporal.close();
      stopped.countDown();
    }));
    spec.commandLine().getOut().printf(
        "embedded Temporal service listening on %s (namespace default, in memory: a restart forgets every move)%n"
            + "stop it with Ctrl-C%n", temporal.address());
    spec.commandLine().getOut().flush();
    stopped.await();
    return ExitCode.OK;
  }
}
