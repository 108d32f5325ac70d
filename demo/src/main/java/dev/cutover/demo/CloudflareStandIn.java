package dev.cutover.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local stand-in for Cloudflare, playing both of its parts in the story:
 *
 * <ul>
 *   <li>the v4 API, as much of it as the product's {@code cloudflare-tunnel} front door (ingress mode)
 *       uses: token verify, and reading and writing a tunnel's remotely managed configuration; and
 *   <li>the edge: the public address, which forwards each request to the service the tunnel's ingress
 *       rule names for the hostname. Like the real edge, a change reaches it gradually: for
 *       {@code propagation} after a write, a request goes to the new service with a probability growing
 *       from 0 to 1, else to the old one (seed 002: "the address bounced between healthy and bad gateway").
 * </ul>
 * An origin that refuses the connection is answered 502, as the edge does.
 */
public final class CloudflareStandIn implements AutoCloseable {

  static final String ACCOUNT = "0123abcd0123abcd0123abcd0123abcd";
  static final String TUNNEL = "6ff42ae2-765d-4adf-8112-31c55c1551ef";
  static final String HOSTNAME = "game.example.test";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpServer api;
  private final HttpServer edge;
  private final ExecutorService apiExecutor = Executors.newFixedThreadPool(2);
  private final ExecutorService edgeExecutor = Executors.newFixedThreadPool(64);
  private final HttpClient origin = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
  private final String token;
  private final Duration propagation;
  private final AtomicInteger failuresToServe = new AtomicInteger();
  private final AtomicInteger apiWrites = new AtomicInteger();
  private ObjectNode config;
  private int version = 1;
  private String previousService;
  private long changedAtNanos;

  CloudflareStandIn(String token, String originService, Duration propagation) throws IOException {
    this.token = token;
    this.propagation = propagation;
    this.config = (ObjectNode) JSON.readTree("{\"ingress\":["
        + "{\"hostname\":\"" + HOSTNAME + "\",\"service\":\"" + originService + "\",\"originRequest\":{}},"
        + "{\"hostname\":\"photos.example.test\",\"service\":\"http://127.0.0.1:9\"},"
        + "{\"service\":\"http_status:404\"}],\"warp-routing\":{\"enabled\":false}}");
    this.previousService = originService;
    api = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    api.setExecutor(apiExecutor);
    api.createContext("/client/v4/", this::api);
    api.start();
    edge = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
    edge.setExecutor(edgeExecutor);
    edge.createContext("/", this::edge);
    edge.start();
  }

  URI apiBaseUrl() {
    return URI.create("http://127.0.0.1:" + api.getAddress().getPort() + "/client/v4");
  }

  URI edgeUrl() {
    return URI.create("http://127.0.0.1:" + edge.getAddress().getPort());
  }

  /** The next {@code count} API calls are answered HTTP 500, as on a bad day at the API. */
  public void failNextApiCalls(int count) {
    failuresToServe.set(count);
  }

  public int failuresPending() {
    return failuresToServe.get();
  }

  public int apiWrites() {
    return apiWrites.get();
  }

  public synchronized String configuredService() {
    return hostnameRule(config).path("service").asText();
  }

  // ---- the API ----

  private void api(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath().substring("/client/v4".length());
    String method = exchange.getRequestMethod();
    byte[] body = readAll(exchange.getRequestBody());
    if (failuresToServe.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      envelope(exchange, 500, null, "10001", "service temporarily unavailable");
      return;
    }
    if (!("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
      envelope(exchange, 401, null, "10000", "Authentication error");
      return;
    }
    String tunnelConfig = "/accounts/" + ACCOUNT + "/cfd_tunnel/" + TUNNEL + "/configurations";
    if (method.equals("GET") && (path.equals("/user/tokens/verify")
        || path.equals("/accounts/" + ACCOUNT + "/tokens/verify"))) {
      envelope(exchange, 200, JSON.createObjectNode().put("id", "demo-token").put("status", "active"), null, null);
    } else if (method.equals("GET") && path.equals(tunnelConfig)) {
      envelope(exchange, 200, configResult(), null, null);
    } else if (method.equals("PUT") && path.equals(tunnelConfig)) {
      JsonNode sent = JSON.readTree(body).path("config");
      if (!(sent instanceof ObjectNode newConfig) || !newConfig.path("ingress").isArray()) {
        envelope(exchange, 400, null, "1056", "config.ingress is required");
        return;
      }
      synchronized (this) {
        previousService = servedService();
        changedAtNanos = System.nanoTime();
        config = newConfig;
        version++;
      }
      apiWrites.incrementAndGet();
      envelope(exchange, 200, configResult(), null, null);
    } else {
      envelope(exchange, 404, null, "7003", "Could not route to " + path);
    }
  }

  private synchronized ObjectNode configResult() {
    ObjectNode result = JSON.createObjectNode()
        .put("tunnel_id", TUNNEL).put("version", version).put("source", "cloudflare");
    result.set("config", config.deepCopy());
    return result;
  }

  private static void envelope(HttpExchange exchange, int status, JsonNode result, String code, String message)
      throws IOException {
    ObjectNode body = JSON.createObjectNode().put("success", status < 300);
    body.set("result", result);
    body.putArray("messages");
    if (code != null) {
      body.putArray("errors").addObject().put("code", Integer.parseInt(code)).put("message", message);
    } else {
      body.putArray("errors");
    }
    send(exchange, status, JSON.writeValueAsBytes(body), "application/json", List.of());
  }

  // ---- the edge ----

  /** The service a request reaches now: the configured one, or during propagation, sometimes the old one. */
  private synchronized String servedService() {
    String now = configuredService();
    long since = System.nanoTime() - changedAtNanos;
    if (now.equals(previousService) || since >= propagation.toNanos()) {
      return now;
    }
    return ThreadLocalRandom.current().nextDouble() < (double) since / propagation.toNanos() ? now : previousService;
  }

  private static JsonNode hostnameRule(ObjectNode config) {
    for (JsonNode rule : config.path("ingress")) {
      if (HOSTNAME.equals(rule.path("hostname").asText())) {
        return rule;
      }
    }
    return JSON.createObjectNode();
  }

  private void edge(HttpExchange exchange) throws IOException {
    byte[] body = readAll(exchange.getRequestBody());
    String service = servedService();
    HttpRequest request = HttpRequest.newBuilder(URI.create(service + exchange.getRequestURI()))
        .timeout(Duration.ofSeconds(30))
        .method(exchange.getRequestMethod(), body.length == 0
            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    try {
      HttpResponse<byte[]> answer = origin.send(request, HttpResponse.BodyHandlers.ofByteArray());
      List<String> passed = List.of("X-Served-By", "Cache-Control");
      send(exchange, answer.statusCode(), answer.body(),
          answer.headers().firstValue("Content-Type").orElse("application/octet-stream"),
          passed.stream().flatMap(h -> answer.headers().firstValue(h).map(v -> h + ": " + v).stream()).toList());
    } catch (IOException e) {
      send(exchange, 502, "bad gateway: the origin refused the connection\n".getBytes(StandardCharsets.UTF_8),
          "text/plain", List.of());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      send(exchange, 502, new byte[0], "text/plain", List.of());
    }
  }

  private static void send(HttpExchange exchange, int status, byte[] bytes, String type, List<String> headers)
      throws IOException {
    exchange.getResponseHeaders().add("Content-Type", type);
    for (String header : headers) {
      int colon = header.indexOf(':');
      exchange.getResponseHeaders().add(header.substring(0, colon), header.substring(colon + 1).trim());
    }
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  @Override
  public void close() {
    edge.stop(0);
    api.stop(0);
    edgeExecutor.shutdownNow();
    apiExecutor.shutdownNow();
  }
}
