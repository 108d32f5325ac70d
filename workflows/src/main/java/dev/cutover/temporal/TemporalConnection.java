package dev.cutover.temporal;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.temporal.api.workflowservice.v1.ListWorkflowExecutionsRequest;
import io.temporal.serviceclient.SimpleSslContextBuilder;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where Temporal is and how to authenticate, from the same environment variables the Temporal CLI
 * reads: {@code TEMPORAL_ADDRESS}, {@code TEMPORAL_NAMESPACE}, {@code TEMPORAL_TLS_CERT} and
 * {@code TEMPORAL_TLS_KEY} (mTLS), {@code TEMPORAL_API_KEY} (Temporal Cloud), {@code TEMPORAL_TLS}.
 * Shared by the command line and the worker, so both always talk to the same place the same way.
 */
public record TemporalConnection(
    String address, String namespace, String tlsCertFile, String tlsKeyFile, boolean tls, boolean apiKeySet) {

  public static final String DEFAULT_ADDRESS = "127.0.0.1:7233";

  /** The key itself stays in the environment; this record only knows whether one is set. */
  private static final String API_KEY_ENV = "TEMPORAL_API_KEY";

  public static TemporalConnection fromEnvironment(Map<String, String> env) {
    String apiKey = env.get(API_KEY_ENV);
    boolean apiKeySet = apiKey != null && !apiKey.isBlank();
    String cert = blankToNull(env.get("TEMPORAL_TLS_CERT"));
    String key = blankToNull(env.get("TEMPORAL_TLS_KEY"));
    boolean tls = apiKeySet || cert != null || "true".equalsIgnoreCase(env.get("TEMPORAL_TLS"));
    return new TemporalConnection(
        orDefault(env.get("TEMPORAL_ADDRESS"), DEFAULT_ADDRESS),
        orDefault(env.get("TEMPORAL_NAMESPACE"), "default"),
        cert, key, tls, apiKeySet);
  }

  public TemporalConnection withAddress(String newAddress) {
    return new TemporalConnection(newAddress, namespace, tlsCertFile, tlsKeyFile, tls, apiKeySet);
  }

  public TemporalConnection withNamespace(String newNamespace) {
    return new TemporalConnection(address, newNamespace, tlsCertFile, tlsKeyFile, tls, apiKeySet);
  }

  /** Applies TLS and the API key to a stubs builder (used directly, and by the Spring customizer). */
  public WorkflowServiceStubsOptions.Builder apply(WorkflowServiceStubsOptions.Builder builder) {
    builder.setTarget(address);
    if (tlsCertFile != null && tlsKeyFile != null) {
      try (InputStream cert = new FileInputStream(tlsCertFile);
          InputStream key = new FileInputStream(tlsKeyFile)) {
        builder.setSslContext(SimpleSslContextBuilder.forPKCS8(cert, key).build());
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read the TLS client certificate or key (TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY): "
                + e.getMessage(), e);
      }
    } else if (tls) {
      builder.setEnableHttps(true);
    }
    if (apiKeySet) {
      builder.addApiKey(() -> System.getenv(API_KEY_ENV));
    }
    return builder;
  }

  public WorkflowServiceStubsOptions stubsOptions() {
    return apply(WorkflowServiceStubsOptions.newBuilder()).build();
  }

  /**
   * The embedded service (the SDK's test server) implements no visibility API: a list call answers
   * UNIMPLEMENTED there and nowhere else. Used to apply its workarounds only where they are needed.
   */
  public static boolean isEmbeddedServer(WorkflowServiceStubs stubs, String namespace) {
    try {
      stubs.blockingStub()
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .listWorkflowExecutions(
              ListWorkflowExecutionsRequest.newBuilder().setNamespace(namespace).setPageSize(1).build());
      return false;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() == Status.Code.UNIMPLEMENTED;
    }
  }

  private static String orDefault(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
