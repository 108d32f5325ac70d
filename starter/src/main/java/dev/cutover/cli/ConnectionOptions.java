package dev.cutover.cli;

import dev.cutover.temporal.TemporalConnection;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowClientOptions;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Duration;
import picocli.CommandLine.Option;

/** {@code --address} and {@code --namespace}, defaulting to the Temporal CLI's environment variables. */
public class ConnectionOptions {

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

  public TemporalConnection connection() {
    return TemporalConnection.fromEnvironment(System.getenv()).withAddress(address).withNamespace(namespace);
  }

  /** A connected client, or exit code 5 with the address that did not answer. */
  public WorkflowClient client() {
    TemporalConnection connection = connection();
    WorkflowServiceStubs stubs;
    try {
      stubs = WorkflowServiceStubs.newConnectedServiceStubs(connection.stubsOptions(), Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      throw new CliException(
          ExitCode.TEMPORAL_UNREACHABLE,
          "Temporal is not answering at " + connection.address() + " (" + rootMessage(e) + ").\n"
              + "Start the embedded one with `./cutover dev-server`, or set TEMPORAL_ADDRESS.");
    }
    return WorkflowClient.newInstance(
        stubs, WorkflowClientOptions.newBuilder().setNamespace(connection.namespace()).build());
  }

  static String rootMessage(Throwable e) {
    Throwable c = e;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
  }
}
