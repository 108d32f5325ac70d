package dev.cutover.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * The boxes' service manager, on loopback: what {@code systemctl} is on a real box. The plan's stop and
 * start commands are argument lists that call it ({@code curl -fsS -X POST .../services/home-app/stop}),
 * and its answers are the plan's service checks. A stop answers only once the service has stopped.
 *
 * <ul>
 *   <li>{@code POST /services/NAME/start}, {@code POST /services/NAME/stop}
 *   <li>{@code GET /services/NAME}: 200 running, 503 stopped
 *   <li>{@code POST /front-door/BOX}: the demo's non-holding front door, pointed at a box
 * </ul>
 */
public final class ControlServer implements AutoCloseable {

  private final HttpServer server;
  private final ExecutorService executor = Executors.newFixedThreadPool(4);
  private final Map<String, Supervised> services;
  private final Consumer<String> pointFrontDoor;

  public ControlServer(Map<String, Supervised> services, Consumer<String> pointFrontDoor) throws IOException {
    this.services = Map.copyOf(services);
    this.pointFrontDoor = pointFrontDoor;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
    server.setExecutor(executor);
    server.createContext("/services/", this::service);
    server.createContext("/front-door/", this::frontDoor);
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void service(HttpExchange exchange) throws IOException {
    String[] parts = exchange.getRequestURI().getPath().split("/");
    Supervised service = parts.length >= 3 ? services.get(parts[2]) : null;
    if (service == null) {
      answer(exchange, 404, "no such service");
      return;
    }
    String action = parts.length == 4 ? parts[3] : "";
    try {
      switch (exchange.getRequestMethod() + " " + action) {
        case "POST start" -> {
          service.start();
          answer(exchange, 200, service.name() + " running");
        }
        case "POST stop" -> {
          service.stop();
          answer(exchange, 200, service.name() + " stopped");
        }
        case "GET " -> answer(exchange, service.running() ? 200 : 503,
            service.name() + (service.running() ? " running" : " stopped"));
        default -> answer(exchange, 400, "use POST .../start, POST .../stop or GET");
      }
    } catch (RuntimeException e) {
      answer(exchange, 500, service.name() + ": " + e.getMessage());
    }
  }

  private void frontDoor(HttpExchange exchange) throws IOException {
    String box = exchange.getRequestURI().getPath().substring("/front-door/".length());
    if (!exchange.getRequestMethod().equals("POST")) {
      answer(exchange, 400, "use POST");
      return;
    }
    try {
      pointFrontDoor.accept(box);
      answer(exchange, 200, "front door points at " + box);
    } catch (RuntimeException e) {
      answer(exchange, 500, "front door: " + e.getMessage());
    }
  }

  private static void answer(HttpExchange exchange, int status, String text) throws IOException {
    byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
