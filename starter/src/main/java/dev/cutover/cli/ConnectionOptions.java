package dev.cutover.cli;

import dev.cutover.temporal.TemporalConnection;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code --address} and {@code --namespace}, defaulting to the Temporal CLI's environment variables.
 *
 * <p>Stubs are shared, one per connection target, for the life of the JVM: the commands also run
 * in-process (the demo, the bench, tests), and stubs built per command and never shut down kept a gRPC
 * channel each, until polling {@code status} ran the process out of file handles. Whoever retires a
 * Temporal service (a demo world closing its embedded one) calls {@link #release(String)}.
 */
public class ConnectionOptions {

  private static final Map<TemporalConnection, WorkflowServiceStubs> STUBS = new ConcurrentHashMap<>();
  private static final AtomicInteger CREATED = new AtomicInteger();

  @Option(
      names = "--address",
      paramLabel = "HOST:PORT",
      description = "Temporal frontend (default: $TEMPORAL_ADDRESS or ${DEFAULT-VALUE}).",
      defaultValue = "${env:TEMPORAL_ADDRESS:-" + TemporalConnection.DEFAULT_ADDRESS + "}")
  String address;

  @Option(
      names = "--namespace",
      description = "Temporal namespace (default: $TEMPORAL_NAMESPACE or ${DEFAULT-VALUE}).",
      defaultValue = "${env:TEMPORAL_NAMESPACE:-default}")
  String namespace;

  @Spec(Spec.Target.MIXEE) CommandSpec mixee;

  /** Did the user name an address ($TEMPORAL_ADDRESS or --address), rather than take the default? */
  boolean explicit() {
    String env = System.getenv("TEMPORAL_ADDRESS");
    return (env != null && !env.isBlank())
        || (mixee != null && mixee.commandLine().getParseResult() != null
            && mixee.commandLine().getParseResult().hasMatchedOption("--address"));
  }

  public TemporalConnection connection() {
    return TemporalConnection.fromEnvironment(System.getenv()).withAddress(address).withNamespace(namespace);
  }

  /** A connected client, or exit code 5 with the address that did not answer. */
  public WorkflowClient client() {
    return client(connection(), Duration.ofSeconds(5));
  }

  /** A client of the service at {@code connection}, waiting at most {@code connectFor} for it to answer. */
  static WorkflowClient client(TemporalConnection connection, Duration connectFor) {
    return WorkflowClient.newInstance(
        stubs(connection, connectFor), WorkflowClientOptions.newBuilder().setNamespace(connection.namespace()).build());
  }

  private static WorkflowServiceStubs stubs(TemporalConnection connection, Duration connectFor) {
    // The namespace belongs to the client, not the channel: every namespace at one target shares the stubs.
    TemporalConnection target = connection.withNamespace(null);
    WorkflowServiceStubs cached = STUBS.get(target);
    if (cached != null && !cached.isShutdown()) {
      return cached;
    }
    // Built outside the map's lock: connecting takes up to 5 s, and a failure must leave nothing cached.
    WorkflowServiceStubs fresh;
    try {
      fresh = WorkflowServiceStubs.newConnectedServiceStubs(connection.stubsOptions(), connectFor);
      CREATED.incrementAndGet();
    } catch (RuntimeException e) {
      throw new CliException(
          ExitCode.TEMPORAL_UNREACHABLE,
          "Temporal is not answering at " + connection.address() + " (" + rootMessage(e) + ").\n"
              + "Start the embedded one with `./cutover dev-server`, or set TEMPORAL_ADDRESS.");
    }
    WorkflowServiceStubs kept = STUBS.merge(target, fresh, (old, mine) -> old.isShutdown() ? mine : old);
    if (kept != fresh) {
      // Another thread connected first: keep its stubs, close ours.
      fresh.shutdownNow();
    }
    return kept;
  }

  /** Shuts down the shared stubs for {@code address} (every TLS setting): its Temporal service is going away. */
  public static void release(String address) {
    STUBS.entrySet().removeIf(e -> {
      if (e.getKey().address().equals(address)) {
        e.getValue().shutdownNow();
        return true;
      }
      return false;
    });
  }

  /** How many stubs this JVM has connected so far: what the leak test counts. */
  static int stubsCreated() {
    return CREATED.get();
  }

  static String rootMessage(Throwable e) {
    Throwable c = e;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
  }
}
