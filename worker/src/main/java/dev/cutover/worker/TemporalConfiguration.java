package dev.cutover.worker;

import dev.cutover.temporal.TemporalConnection;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.spring.boot.TemporalOptionsCustomizer;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Connection settings the starter's properties cannot express (the API key comes from the environment
 * at each call, never from a property), and the embedded server's one workaround.
 */
@Configuration(proxyBeanMethods = false)
public class TemporalConfiguration {

  private static final Logger log = LoggerFactory.getLogger(TemporalConfiguration.class);

  @Bean
  TemporalConnection temporalConnection(
      @Value("${spring.temporal.connection.target}") String target,
      @Value("${spring.temporal.namespace}") String namespace) {
    return TemporalConnection.fromEnvironment(System.getenv()).withAddress(target).withNamespace(namespace);
  }

  @Bean
  TemporalOptionsCustomizer<WorkflowServiceStubsOptions.Builder> connectionCustomizer(TemporalConnection connection) {
    return connection::apply;
  }

  /**
   * On the SDK's embedded service a workflow whose worker died waits forever on the dead worker's
   * sticky queue (NOTES.md); with no sticky scheduling the next worker picks it up. A real Temporal
   * server reassigns by itself, so there the default (sticky, faster) stays. Without sticky queues every
   * workflow task replays the history from its start: 190 ms more scheduling in a freeze at S (bench).
   * {@code cutover.temporal.sticky-queues: on} keeps them even on the embedded service, for a worker that
   * cannot outlive it (one JVM with it, as in the demo): nothing is left to strand.
   */
  @Bean
  TemporalOptionsCustomizer<WorkerOptions.Builder> embeddedServerWorkaround(
      ObjectProvider<WorkflowServiceStubs> stubs,
      TemporalConnection connection,
      @Value("${cutover.temporal.embedded:auto}") String embedded,
      @Value("${cutover.temporal.sticky-queues:auto}") String sticky) {
    return builder -> {
      boolean off = stickyQueuesOff(sticky, () -> "auto".equals(embedded)
          ? TemporalConnection.isEmbeddedServer(stubs.getObject(), connection.namespace())
          : Boolean.parseBoolean(embedded));
      if (off) {
        log.info("talking to the embedded Temporal service: sticky workflow queues off");
        builder.setStickyQueueScheduleToStartTimeout(Duration.ZERO);
      }
      return builder;
    };
  }

  /** Whether to turn sticky queues off: as set, or ({@code auto}) only on the embedded service. */
  static boolean stickyQueuesOff(String setting, BooleanSupplier embedded) {
    return switch (setting.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "on" -> false;
      case "off" -> true;
      case "auto" -> embedded.getAsBoolean();
      default -> throw new IllegalArgumentException("cutover.temporal.sticky-queues (CUTOVER_TEMPORAL_STICKY_QUEUES)"
          + " is '" + setting + "': use auto, on or off");
    };
  }
}
