package dev.cutover.demo;

import dev.cutover.cli.CliException;
import dev.cutover.cli.ExitCode;
import dev.cutover.temporal.TemporalConnection;
import dev.cutover.worker.WorkerApplication;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = {
      "Run the cutover worker, which carries out the moves a Temporal service schedules.",
      "It polls the Temporal service at $TEMPORAL_ADDRESS (default 127.0.0.1:7233) in",
      "$TEMPORAL_NAMESPACE (default 'default').",
      "mTLS: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY; Temporal Cloud: TEMPORAL_API_KEY.",
      "Health: http://127.0.0.1:$CUTOVER_WORKER_PORT/actuator/health (default port 8273).",
      "Extra Spring arguments (--name=value) are passed through."
    })
class WorkerCommand implements Callable<Integer> {

  private static final String TARGET_ARG = "--spring.temporal.connection.target=";

  /** Spring's own --name=value arguments, handed to Spring untouched. */
  @Unmatched
  String[] springArgs = new String[0];

  @Override
  public Integer call() throws InterruptedException {
    requireTemporal();
    ConfigurableApplicationContext context;
    try {
      context = SpringApplication.run(WorkerApplication.class, springArgs);
    } catch (RuntimeException e) {
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c instanceof PortInUseException taken) {
          throw new CliException(ExitCode.USAGE, "port " + taken.getPort() + " on 127.0.0.1 is already in use"
              + " (another worker?): set CUTOVER_WORKER_PORT to a free port, or 0 for any free one", e);
        }
      }
      throw e;
    }
    CountDownLatch closed = new CountDownLatch(1);
    context.addApplicationListener(event -> {
      if (event instanceof ContextClosedEvent) {
        closed.countDown();
      }
    });
    closed.await();
    return 0;
  }

  /**
   * Spring would start, then fail deep in the SDK with a page of stack trace; say it in one line instead.
   * Once running, the worker rides out an outage of the service by itself.
   */
  private void requireTemporal() {
    TemporalConnection connection = TemporalConnection.fromEnvironment(System.getenv());
    String target = Arrays.stream(springArgs).filter(a -> a.startsWith(TARGET_ARG))
        .map(a -> a.substring(TARGET_ARG.length())).reduce((first, last) -> last).orElse(null);
    if (target != null) {
      connection = connection.withAddress(target);
    }
    try {
      WorkflowServiceStubs.newConnectedServiceStubs(connection.stubsOptions(), Duration.ofSeconds(10)).shutdownNow();
    } catch (RuntimeException e) {
      throw new CliException(ExitCode.TEMPORAL_UNREACHABLE, "Temporal is not answering at " + connection.address()
          + ": start it first (`./cutover dev-server`, or your cluster), or point TEMPORAL_ADDRESS at it", e);
    }
  }
}
