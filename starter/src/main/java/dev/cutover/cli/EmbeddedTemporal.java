package dev.cutover.cli;

import dev.cutover.workflow.CutoverSearchAttributes;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.api.operatorservice.v1.AddSearchAttributesRequest;
import io.temporal.common.SearchAttributeKey;
import io.temporal.internal.testservice.GRPCServerHelper;
import io.temporal.internal.testservice.TestServicesStarter;
import io.temporal.serviceclient.OperatorServiceStubs;
import io.temporal.serviceclient.OperatorServiceStubsOptions;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;

/**
 * The Java SDK's own Temporal service, in memory, on a loopback port. The SDK's
 * {@code TestServer.createPortBoundServer} binds every interface with no auth; this binds 127.0.0.1
 * only, which is why it assembles the same pieces itself. Real time (no time skipping).
 */
public final class EmbeddedTemporal implements AutoCloseable {

  private final TestServicesStarter services;
  private final Server server;
  private final int port;

  private EmbeddedTemporal(TestServicesStarter services, Server server, int port) {
    this.services = services;
    this.server = server;
    this.port = port;
  }

  /** Starts on {@code port} (0 for any free one); a taken port is a {@link CliException}, exit 2. */
  public static EmbeddedTemporal start(int port) {
    if (port != 0 && !isFree(port)) {
      throw portTaken(port);
    }
    TestServicesStarter services = new TestServicesStarter(true, 0);
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    List<BindableService> bindable = services.getServices();
    GRPCServerHelper.registerServicesAndHealthChecks(bindable, builder);
    Server server = builder.build();
    try {
      server.start();
    } catch (IOException e) {
      services.close();
      if (e instanceof BindException || e.getCause() instanceof BindException) {
        throw portTaken(port);
      }
      throw new CliException(ExitCode.NEEDS_HUMAN, "cannot start the embedded Temporal service: " + e.getMessage(), e);
    }
    EmbeddedTemporal temporal = new EmbeddedTemporal(services, server, server.getPort());
    temporal.registerSearchAttributes();
    return temporal;
  }

  public int port() {
    return port;
  }

  /** Where the gRPC server actually listens: 127.0.0.1 only. */
  public List<? extends java.net.SocketAddress> listenAddresses() {
    return server.getListenSockets();
  }

  public String address() {
    return "127.0.0.1:" + port;
  }

  /** It keeps everything in memory, so the workflow's search attributes are registered on every start. */
  private void registerSearchAttributes() {
    OperatorServiceStubs operator =
        OperatorServiceStubs.newServiceStubs(OperatorServiceStubsOptions.newBuilder().setTarget(address()).validateAndBuildWithDefaults());
    try {
      AddSearchAttributesRequest.Builder request = AddSearchAttributesRequest.newBuilder().setNamespace("default");
      for (SearchAttributeKey<?> key : CutoverSearchAttributes.ALL) {
        request.putSearchAttributes(key.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD);
      }
      operator.blockingStub().addSearchAttributes(request.build());
    } finally {
      operator.shutdownNow();
    }
  }

  @Override
  public void close() {
    server.shutdownNow();
    services.close();
  }

  private static boolean isFree(int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static CliException portTaken(int port) {
    return new CliException(
        ExitCode.USAGE,
        "port " + port + " on 127.0.0.1 is already in use (another dev server?); choose one with --port");
  }
}
