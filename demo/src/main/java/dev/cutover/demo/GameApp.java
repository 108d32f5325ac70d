package dev.cutover.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The game's web app on one box: open a pack, trade a sticker, predict a match, the standings, and a
 * health check that names the box and proves a live database answer. Requests share a small pool of
 * connections ({@link ConnectionPool}) that still lets a fenced database refuse the next write at once.
 * Stopped, it listens on nothing: a proxy in front sees a refused connection, which is what lets Caddy hold.
 */
final class GameApp implements Supervised {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long DRAIN_MILLIS = 5_000;
  /**
   * Request threads, each holding at most one connection. Requests are short database round trips, so
   * more threads than this on two cores only add contention; the backlog queues the rest.
   */
  static final int THREADS = 16;
  private static final int BACKLOG = 1024;

  private final String box;
  private final String jdbcUrl;
  private final int port;
  /** How long the app takes to boot before it listens (a Rails app: 10 s and more), reading as it does. */
  private final long bootMillis;
  private final AtomicInteger inFlight = new AtomicInteger();
  private HttpServer server;
  private ExecutorService executor;
  private ConnectionPool pool;
  private volatile boolean accepting;

  GameApp(String box, String jdbcUrl, int port, long bootMillis) {
    this.box = box;
    this.jdbcUrl = jdbcUrl;
    this.port = port;
    this.bootMillis = bootMillis;
  }

  @Override
  public String name() {
    return box + "-app";
  }

  int port() {
    return port;
  }

  @Override
  public synchronized void start() {
    if (server != null) {
      return;
    }
    boot();
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), BACKLOG);
    } catch (IOException e) {
      throw new UncheckedIOException("the " + box + " app cannot listen on 127.0.0.1:" + port, e);
    }
    pool = new ConnectionPool(jdbcUrl, GameDatabase.USER, THREADS);
    executor = Executors.newFixedThreadPool(THREADS);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    accepting = true;
    server.start();
  }

  /**
   * A slow boot, as a real app's (loading code, warming caches): it reads the database, as an app checking
   * its schema does, and only reads, so it boots against a fenced database too; then it takes the rest of
   * its boot time before it listens. Start returns once it listens, as {@code systemctl start} does for a
   * service that notifies its readiness.
   */
  private void boot() {
    if (bootMillis <= 0) {
      return;
    }
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(bootMillis);
    try (Connection c = DriverManager.getConnection(jdbcUrl, GameDatabase.USER, "");
        PreparedStatement s = c.prepareStatement("SELECT count(*) FROM profiles");
        ResultSet rs = s.executeQuery()) {
      rs.next();
    } catch (SQLException e) {
      throw new IllegalStateException("the " + box + " app cannot boot: " + e.getMessage(), e);
    }
    long left = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime());
    if (left > 0) {
      try {
        Thread.sleep(left); // the boot's own work, simulated: nothing is waited for here
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("the " + box + " app's boot was interrupted", e);
      }
    }
  }

  /**
   * Lets the requests in progress finish before the port closes, so a stop never cuts an answer the
   * database already committed. (JDK 17's {@code HttpServer.stop(delay)} always waits the whole delay.)
   */
  @Override
  public synchronized void stop() {
    if (server == null) {
      return;
    }
    accepting = false;
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DRAIN_MILLIS);
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    server.stop(0);
    executor.shutdownNow();
    pool.close();
    server = null;
  }

  @Override
  public synchronized boolean running() {
    return server != null;
  }

  private void handle(HttpExchange exchange) throws IOException {
    inFlight.incrementAndGet();
    try {
      if (!accepting) {
        send(exchange, 503, Map.of("box", box, "error", "stopping"));
        return;
      }
      Map<String, String> q = query(exchange);
      String route = exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath();
      try {
        switch (route) {
          case "GET /healthz" -> send(exchange, 200, health());
          case "POST /packs" -> send(exchange, 200, openPack(Integer.parseInt(q.get("player"))));
          case "POST /trades" -> trade(exchange, Integer.parseInt(q.get("from")), Integer.parseInt(q.get("to")));
          case "POST /predictions" -> predict(exchange, Integer.parseInt(q.get("player")),
              Integer.parseInt(q.get("match")), q.get("pick"));
          case "GET /standings" -> send(exchange, 200, standings());
          case "GET /matches" -> send(exchange, 200, openMatches());
          default -> send(exchange, 404, Map.of("box", box, "error", "no such page"));
        }
      } catch (SQLException e) {
        // 25006: the database is fenced read-only; anything else: it is not there.
        send(exchange, 503, Map.of("box", box, "error", "database: " + e.getSQLState()));
      } catch (RuntimeException e) {
        send(exchange, 400, Map.of("box", box, "error", String.valueOf(e.getMessage())));
      }
    } finally {
      inFlight.decrementAndGet();
    }
  }


  private Map<String, Object> health() throws SQLException {
    try (ConnectionPool.Lease lease = pool.borrow();
        PreparedStatement s = lease.connection().prepareStatement("SELECT now()::text, count(*) FROM profiles");
        ResultSet rs = s.executeQuery()) {
      rs.next();
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("box", box);
      body.put("db", "ok");
      body.put("dbTime", rs.getString(1));
      body.put("profiles", rs.getInt(2));
      return body;
    }
  }

  private Map<String, Object> openPack(int player) throws SQLException {
    List<Long> ids = new ArrayList<>();
    try (ConnectionPool.Lease lease = pool.borrow(); PreparedStatement s = lease.connection().prepareStatement(
        "INSERT INTO stickers (profile_id, card) SELECT ?, 'card-' || (random() * 639)::int"
            + " FROM generate_series(1, 5) RETURNING id")) {
      s.setInt(1, player);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          ids.add(rs.getLong(1));
        }
      }
    }
    return Map.of("box", box, "ids", ids);
  }

  private void trade(HttpExchange exchange, int from, int to) throws SQLException, IOException {
    try (ConnectionPool.Lease lease = pool.borrow()) {
      Connection c = lease.connection();
      c.setAutoCommit(false);
      long sticker;
      try (PreparedStatement pick = c.prepareStatement("SELECT id FROM stickers WHERE profile_id = ?"
          + " OFFSET ? LIMIT 1 FOR UPDATE SKIP LOCKED")) {
        pick.setInt(1, from);
        pick.setInt(2, ThreadLocalRandom.current().nextInt(50));
        try (ResultSet rs = pick.executeQuery()) {
          if (!rs.next()) {
            c.rollback();
            send(exchange, 409, Map.of("box", box, "error", "player " + from + " has no sticker to trade"));
            return;
          }
          sticker = rs.getLong(1);
        }
      }
      long id;
      try (PreparedStatement move = c.prepareStatement("UPDATE stickers SET profile_id = ? WHERE id = ?");
          PreparedStatement record = c.prepareStatement("INSERT INTO trades (sticker_id, from_profile, to_profile)"
              + " VALUES (?, ?, ?) RETURNING id")) {
        move.setInt(1, to);
        move.setLong(2, sticker);
        move.executeUpdate();
        record.setLong(1, sticker);
        record.setInt(2, from);
        record.setInt(3, to);
        try (ResultSet rs = record.executeQuery()) {
          rs.next();
          id = rs.getLong(1);
        }
      }
      c.commit();
      send(exchange, 200, Map.of("box", box, "id", id, "sticker", sticker));
    }
  }

  private void predict(HttpExchange exchange, int player, int match, String pick) throws SQLException, IOException {
    try (ConnectionPool.Lease lease = pool.borrow(); PreparedStatement s = lease.connection().prepareStatement(
        "INSERT INTO predictions (profile_id, match_id, pick, odds)"
            + " SELECT ?, id, ?, odds FROM matches WHERE id = ? AND NOT odds_frozen AND kickoff > now() RETURNING id")) {
      s.setInt(1, player);
      s.setString(2, pick);
      s.setInt(3, match);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          send(exchange, 409, Map.of("box", box, "error", "match " + match + " has kicked off: odds are frozen"));
          return;
        }
        send(exchange, 200, Map.of("box", box, "id", rs.getLong(1)));
      }
    }
  }

  private Map<String, Object> standings() throws SQLException {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (ConnectionPool.Lease lease = pool.borrow(); PreparedStatement s = lease.connection().prepareStatement(
        "SELECT name, points FROM profiles ORDER BY points DESC, name"); ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        rows.add(Map.of("name", rs.getString(1), "points", rs.getInt(2)));
      }
    }
    return Map.of("box", box, "standings", rows);
  }

  private Map<String, Object> openMatches() throws SQLException {
    List<Integer> ids = new ArrayList<>();
    try (ConnectionPool.Lease lease = pool.borrow(); PreparedStatement s = lease.connection().prepareStatement(
        "SELECT id FROM matches WHERE kickoff > now() AND NOT odds_frozen ORDER BY kickoff");
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        ids.add(rs.getInt(1));
      }
    }
    return Map.of("box", box, "open", ids);
  }

  private void send(HttpExchange exchange, int status, Map<String, ?> body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().add("X-Served-By", box);
    exchange.getResponseHeaders().add("Cache-Control", "no-store");
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static Map<String, String> query(HttpExchange exchange) {
    Map<String, String> out = new HashMap<>();
    String raw = exchange.getRequestURI().getRawQuery();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          out.put(pair.substring(0, eq), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }
}
