package dev.cutover.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * The demo's front door: one public URL whose {@code /healthz} is answered by whichever box the door
 * points at. A file in the state directory says which ({@code frontdoor-<box>}, written by the plan's
 * switch command), and each answer carries that box's name and a live query of that box's database,
 * uncached, so verify-live can tell a real answer from a stale one.
 */
public final class LocalFrontDoor implements AutoCloseable {

  private final HttpServer server;
  private final Path stateDir;
  private final String defaultBox;
  private final Map<String, String> jdbcUrls;

  public LocalFrontDoor(Path stateDir, String defaultBox, Map<String, String> jdbcUrlsByBox) throws IOException {
    this.stateDir = stateDir;
    this.defaultBox = defaultBox;
    this.jdbcUrls = Map.copyOf(jdbcUrlsByBox);
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/healthz", this::health);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String activeBox() {
    return jdbcUrls.keySet().stream()
        .filter(box -> !box.equals(defaultBox) && Files.exists(stateDir.resolve("frontdoor-" + box)))
        .findFirst().orElse(defaultBox);
  }

  private void health(HttpExchange exchange) throws IOException {
    String box = activeBox();
    int status;
    String body;
    try (Connection c = DriverManager.getConnection(jdbcUrls.get(box), "cutover", "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT now()::text")) {
      rs.next();
      status = 200;
      body = "{\"box\":\"" + box + "\",\"db\":\"ok\",\"dbTime\":\"" + rs.getString(1) + "\"}";
    } catch (SQLException e) {
      status = 503;
      body = "{\"box\":\"" + box + "\",\"db\":\"down\"}";
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("X-Served-By", box);
    exchange.getResponseHeaders().add("Cache-Control", "no-store");
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
