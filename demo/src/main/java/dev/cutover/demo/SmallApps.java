package dev.cutover.demo;

import com.sun.net.httpserver.HttpServer;
import dev.cutover.testing.LocalCluster;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Many small apps on two shared clusters, for moving many at once: each app is one database with one
 * {@code ledger} table, a plan that copies it with dump-restore, a front door that is a no-op command and a
 * health endpoint that always answers. Shared by the fleet's end-to-end test and the fleet benchmark.
 */
public final class SmallApps {

  private SmallApps() {}

  /** An HTTP server on loopback answering 200 "ok" to every path: every app's health check. */
  public static HttpServer healthServer() throws IOException {
    HttpServer health = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    health.createContext("/", exchange -> {
      byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    health.start();
    return health;
  }

  /** {@code plans/APP.yaml} under {@code dir}: the move of one app's database from home to arm. */
  public static Path plan(Path dir, String app, LocalCluster home, LocalCluster arm, int healthPort)
      throws IOException {
    Path folder = Files.createDirectories(dir.resolve("plans"));
    return Files.writeString(folder.resolve(app + ".yaml"), String.join("\n",
        "app: " + app,
        "source: {name: home, database: {url: \"" + home.jdbcUrl(app) + "\", user: " + LocalCluster.SUPERUSER + "}}",
        "target: {name: arm, database: {url: \"" + arm.jdbcUrl(app) + "\", user: " + LocalCluster.SUPERUSER + "}}",
        "copy: {strategy: dump-restore, jobs: 1}",
        "frontDoor: {type: command, switch: [\"true\"], revert: [\"true\"]}",
        "health: {url: \"http://127.0.0.1:" + healthPort + "/" + app + "/healthz\", consecutive: 2, interval: 50ms}",
        ""));
  }

  /** A fleet file beside the plans, naming them relative to itself. */
  public static Path fleet(Path dir, String name, int maxConcurrent, List<Path> plans) throws IOException {
    StringBuilder yaml = new StringBuilder("fleet: " + name + "\nmaxConcurrent: " + maxConcurrent
        + "\nconfirm: batch\nplans:\n");
    for (Path plan : plans) {
      yaml.append("  - ").append(dir.relativize(plan)).append("\n");
    }
    return Files.writeString(dir.resolve(name + ".yaml"), yaml.toString());
  }

  /** Rows {@code from .. from + count - 1} of the app's ledger, creating the table on first use. */
  public static void write(LocalCluster cluster, String database, int from, int count) throws SQLException {
    try (Connection c = cluster.connect(database); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS ledger (id bigint PRIMARY KEY, amount bigint NOT NULL, note text)");
      s.execute("INSERT INTO ledger SELECT g, g * 7, 'entry ' || g FROM generate_series(" + from + ", "
          + (from + count - 1) + ") g");
    }
  }

  public static long rows(LocalCluster cluster, String database) throws SQLException {
    return query(cluster, database, "SELECT count(*) FROM ledger");
  }

  /** A checksum of the ledger's rows: equal on both sides when the same rows are there. */
  public static long sum(LocalCluster cluster, String database) throws SQLException {
    return query(cluster, database, "SELECT coalesce(sum(amount + id), 0) FROM ledger");
  }

  private static long query(LocalCluster cluster, String database, String sql) throws SQLException {
    try (Connection c = cluster.connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  public static boolean exists(LocalCluster cluster, String database) throws SQLException {
    try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_database WHERE datname = '" + database + "'")) {
      rs.next();
      return rs.getLong(1) > 0;
    }
  }

  /** Cleanup on shared clusters: a database left behind would make the next run's move refuse. */
  public static void drop(LocalCluster cluster, String database) {
    try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS \"" + database + "\" WITH (FORCE)");
    } catch (SQLException e) {
      System.err.println("could not drop " + database + " on " + cluster.name() + ": " + e.getMessage());
    }
  }

  /**
   * The most freezes at once, from each move's history: its freeze from the first Hold or Fence scheduled to
   * the move's last event (a fleet's slot frees only when the move ends). Ends sort before starts at the same
   * instant.
   */
  public static int maxOverlappingFreezes(String address, List<String> apps) {
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
    try {
      WorkflowClient client = WorkflowClient.newInstance(stubs);
      List<long[]> edges = new ArrayList<>();
      for (String app : apps) {
        List<HistoryEvent> events = client.fetchHistory("cutover-" + app).getEvents();
        long start = events.stream().filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
            .filter(e -> Set.of("Hold", "Fence").contains(
                e.getActivityTaskScheduledEventAttributes().getActivityType().getName()))
            .mapToLong(SmallApps::nanos).findFirst().orElseThrow(() -> new IllegalStateException(app + " never froze"));
        edges.add(new long[] {start, 1});
        edges.add(new long[] {nanos(events.get(events.size() - 1)), -1});
      }
      edges.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
      int now = 0;
      int max = 0;
      for (long[] edge : edges) {
        now += (int) edge[1];
        max = Math.max(max, now);
      }
      return max;
    } finally {
      stubs.shutdownNow();
    }
  }

  private static long nanos(HistoryEvent e) {
    return e.getEventTime().getSeconds() * 1_000_000_000L + e.getEventTime().getNanos();
  }
}
