package dev.cutover.blackbox;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/** The long-running processes a user starts first: the embedded Temporal service and the worker. */
final class Services implements AutoCloseable {

  final Shipped.Running temporal;
  final Shipped.Running worker;
  final String address;

  private Services(Shipped.Running temporal, Shipped.Running worker, String address) {
    this.temporal = temporal;
    this.worker = worker;
    this.address = address;
  }

  /** {@code ./cutover dev-server --port P} and {@code ./cutover worker} pointed at it, both started. */
  static Services start() throws IOException, InterruptedException {
    int port = Shipped.freePort();
    String address = "127.0.0.1:" + port;
    Shipped.Running temporal = Shipped.Running.start(Shipped.env(null),
        Shipped.argv("dev-server", "--embedded", "--port", Integer.toString(port)));
    try {
      temporal.awaitOut("listening on " + address, Duration.ofSeconds(60));
      Map<String, String> env = Shipped.env(address);
      env.put("CUTOVER_WORKER_PORT", "0");
      Shipped.Running worker = Shipped.Running.start(env, Shipped.argv("worker"));
      try {
        worker.awaitOut("Started Launcher", Duration.ofSeconds(120));
        return new Services(temporal, worker, address);
      } catch (IOException | InterruptedException | RuntimeException | Error e) {
        worker.close();
        throw e;
      }
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      temporal.close();
      throw e;
    }
  }

  Map<String, String> env() {
    return Shipped.env(address);
  }

  @Override
  public void close() throws InterruptedException {
    try {
      worker.close();
    } finally {
      temporal.close();
    }
  }
}
