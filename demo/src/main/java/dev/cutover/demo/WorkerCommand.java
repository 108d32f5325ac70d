package dev.cutover.demo;

import dev.cutover.worker.WorkerApplication;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = {
      "Run the cutover worker (Spring Boot): it executes moves for the Temporal service at",
      "$TEMPORAL_ADDRESS (default 127.0.0.1:7233) in $TEMPORAL_NAMESPACE (default 'default').",
      "mTLS: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY; Temporal Cloud: TEMPORAL_API_KEY.",
      "Health: http://127.0.0.1:$CUTOVER_WORKER_PORT/actuator/health (default port 8233).",
      "Extra Spring arguments (--name=value) are passed through."
    })
class WorkerCommand implements Callable<Integer> {

  /** Spring's own --name=value arguments, handed to Spring untouched. */
  @Unmatched
  String[] springArgs = new String[0];

  @Override
  public Integer call() throws InterruptedException {
    ConfigurableApplicationContext context = SpringApplication.run(WorkerApplication.class, springArgs);
    CountDownLatch closed = new CountDownLatch(1);
    context.addApplicationListener(event -> {
      if (event instanceof ContextClosedEvent) {
        closed.countDown();
      }
    });
    closed.await();
    return 0;
  }
}
