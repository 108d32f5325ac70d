package dev.cutover.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Caddy in front of the home app, on loopback ports, as on the story's home box: one route with
 * {@code @id} {@value #ROUTE_ID} whose {@code reverse_proxy} handler ({@code @id} {@value #UPSTREAM_ID})
 * dials the home app. The product's {@code caddy} front door holds and switches through the admin API;
 * {@link #pointAt(int)} is the demo's non-holding alternative that simply repoints the upstream.
 */
public final class CaddyProxy implements AutoCloseable {

  public static final String ROUTE_ID = "game";
  static final String UPSTREAM_ID = "game-upstream";

  private final Process process;
  private final Thread hook;
  private final int adminPort;
  private final int httpPort;
  private final Path log;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private CaddyProxy(Process process, int adminPort, int httpPort, Path log) {
    this.process = process;
    this.adminPort = adminPort;
    this.httpPort = httpPort;
    this.log = log;
    this.hook = new Thread(process::destroyForcibly, "stop-caddy");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  public static CaddyProxy start(Path binary, Path dir, int adminPort, int httpPort, int upstreamPort) {
    String config = "{\"admin\":{\"listen\":\"127.0.0.1:" + adminPort + "\",\"config\":{\"persist\":false}},"
        + "\"logging\":{\"logs\":{\"default\":{\"level\":\"ERROR\"}}},"
        + "\"apps\":{\"http\":{\"servers\":{\"front\":{\"listen\":[\"127.0.0.1:" + httpPort + "\"],"
        + "\"automatic_https\":{\"disable\":true},\"routes\":[{\"@id\":\"" + ROUTE_ID + "\",\"handle\":["
        + "{\"@id\":\"" + UPSTREAM_ID + "\",\"handler\":\"reverse_proxy\",\"upstreams\":[{\"dial\":\"127.0.0.1:"
        + upstreamPort + "\"}]}]}]}}}}}";
    try {
      Files.createDirectories(dir);
      Path file = Files.writeString(dir.resolve("caddy.json"), config);
      Path log = dir.resolve("caddy.log");
      ProcessBuilder builder = new ProcessBuilder(List.of(binary.toString(), "run", "--config", file.toString()))
          .redirectErrorStream(true)
          .redirectOutput(log.toFile());
      // Caddy keeps state under HOME and the XDG directories: keep it inside the world's directory.
      builder.environment().putAll(Map.of("HOME", dir.toString(), "XDG_CONFIG_HOME", dir.resolve("config").toString(),
          "XDG_DATA_HOME", dir.resolve("data").toString()));
      CaddyProxy caddy = new CaddyProxy(builder.start(), adminPort, httpPort, log);
      caddy.awaitAdmin();
      return caddy;
    } catch (IOException e) {
      throw new UncheckedIOException("starting Caddy", e);
    }
  }

  private void awaitAdmin() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        close();
        throw new IllegalStateException("Caddy exited at start: " + logTail());
      }
      try {
        if (admin("GET", "/config/", null).statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      pause(50);
    }
    close();
    throw new IllegalStateException("Caddy's admin API did not answer within 20 s: " + logTail());
  }

  public URI adminUrl() {
    return URI.create("http://127.0.0.1:" + adminPort);
  }

  public URI publicUrl() {
    return URI.create("http://127.0.0.1:" + httpPort);
  }

  /** Repoints the route's own upstream: what a front door without a hold does at the switch. */
  void pointAt(int upstreamPort) {
    try {
      HttpResponse<String> r = admin("PATCH", "/id/" + UPSTREAM_ID + "/upstreams",
          "[{\"dial\":\"127.0.0.1:" + upstreamPort + "\"}]");
      if (r.statusCode() != 200) {
        throw new IllegalStateException("Caddy refused the new upstream: HTTP " + r.statusCode() + " " + r.body());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private HttpResponse<String> admin(String method, String path, String body) throws IOException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
        .timeout(Duration.ofSeconds(5))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }

  private String logTail() {
    try {
      String text = Files.exists(log) ? Files.readString(log) : "";
      return text.substring(Math.max(0, text.length() - 1500));
    } catch (IOException e) {
      return "(no log)";
    }
  }

  static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running already
    }
  }
}
