package dev.cutover.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.cutover.blackbox.Shipped.Result;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.PostgresClusters;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet of two apps sharing both servers, through the shipped `./cutover` as its own processes: start reads
 * the fleet file, a direct confirm of one app is refused naming the fleet, the fleet's confirm moves both one
 * at a time, and the fleet's report lists both.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class FleetIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration QUICK = Duration.ofSeconds(90);

  @RegisterExtension static final PostgresClusters clusters = new PostgresClusters();
  @TempDir Path dir;

  @Test
  void aFleetOfTwoThroughTheShippedCommands() throws Exception {
    LocalCluster home = clusters.start("home");
    LocalCluster arm = clusters.start("arm");
    HttpServer health = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    health.createContext("/", exchange -> {
      exchange.sendResponseHeaders(200, 2);
      exchange.getResponseBody().write("ok".getBytes());
      exchange.close();
    });
    health.start();
    try (Services services = Services.start()) {
      Map<String, String> env = services.env();
      for (String app : new String[] {"shop", "blog"}) {
        home.createDatabase(app);
        try (Connection c = home.connect(app); Statement s = c.createStatement()) {
          s.execute("CREATE TABLE ledger (id bigint PRIMARY KEY, note text)");
          s.execute("INSERT INTO ledger SELECT g, 'entry ' || g FROM generate_series(1, 300) g");
        }
        Files.createDirectories(dir.resolve("sites"));
        Files.writeString(dir.resolve("sites/" + app + ".yaml"), String.join("\n",
            "app: " + app,
            "source: {name: home, database: {url: \"" + home.jdbcUrl(app) + "\", user: " + LocalCluster.SUPERUSER + "}}",
            "target: {name: arm, database: {url: \"" + arm.jdbcUrl(app) + "\", user: " + LocalCluster.SUPERUSER + "}}",
            "frontDoor: {type: command, switch: [\"true\"], revert: [\"true\"]}",
            "health: {url: \"http://127.0.0.1:" + health.getAddress().getPort() + "/healthz\", consecutive: 2,"
                + " interval: 50ms}", ""));
      }
      Path fleet = Files.writeString(dir.resolve("fleet.yaml"),
          "fleet: pair\nmaxConcurrent: 1\nplans: [sites/shop.yaml, sites/blog.yaml]\n");

      Result started = Shipped.run(env, QUICK, "start", fleet.toString(), "--by", "ops");
      assertEquals(0, started.exitCode(), started.toString());
      assertTrue(started.out().startsWith("started the fleet pair: 2 apps (shop, blog), at most 1 past their gates at"
          + " once, confirm batch: workflow cutover-fleet-pair, run "), started.toString());
      assertTrue(started.out().contains("follow it with `cutover watch --fleet pair`; it will wait for `cutover confirm"
          + " --fleet pair`"), started.toString());

      awaitFleet(env, s -> s.path("totals").path("apps").asInt() == 2 && count(s, "AT_GATE") == 2, "both at the gate");
      Result direct = Shipped.run(env, QUICK, "confirm", "shop");
      assertEquals(2, direct.exitCode(), direct.toString());
      assertTrue(direct.err().contains("the move of shop belongs to the fleet pair"), direct.toString());
      assertTrue(direct.out().isEmpty(), direct.toString());

      try (Shipped.Running watch = Shipped.Running.start(env, Shipped.argv("watch", "--fleet", "pair"))) {
        watch.awaitOut("blog ", QUICK);
        Result confirmed = Shipped.run(env, QUICK, "confirm", "--fleet", "pair", "--by", "ops");
        assertEquals(0, confirmed.exitCode(), confirmed.toString());
        assertTrue(confirmed.out().startsWith("confirmed every app of the fleet pair as ops"), confirmed.toString());

        int watched = watch.waitFor(Duration.ofMinutes(5));
        String story = watch.out();
        assertEquals(0, watched, "every app completed\n" + story + watch.err());
        assertTrue(story.lines().anyMatch(l -> l.matches("blog\\s+CONFIRM\\s+queued")),
            "blog waited for shop's slot (maxConcurrent 1)\n" + story);
        assertTrue(story.contains("2 apps: 2 completed\n"), story);
      }
      Result report = Shipped.run(env, QUICK, "report", "--fleet", "pair");
      assertEquals(0, report.exitCode(), report.toString());
      assertTrue(report.out().contains("**2 apps: 2 completed**"), report.toString());
      assertTrue(report.out().lines().anyMatch(l -> l.startsWith("shop ") && l.contains("COMPLETED")), report.toString());
      assertTrue(report.out().lines().anyMatch(l -> l.startsWith("blog ") && l.contains("COMPLETED")), report.toString());
      assertTrue(report.out().endsWith("\n"), "the last line is whole");
      for (String app : new String[] {"shop", "blog"}) {
        try (Connection c = arm.connect(app); Statement s = c.createStatement();
            ResultSet rs = s.executeQuery("SELECT count(*) FROM ledger")) {
          rs.next();
          assertEquals(300, rs.getLong(1), app + ": every row is on the target");
        }
      }
    } finally {
      health.stop(0);
    }
  }

  private static long count(JsonNode status, String gate) {
    long n = 0;
    for (JsonNode app : status.path("apps")) {
      n += app.path("gate").asText().equals(gate) ? 1 : 0;
    }
    return n;
  }

  private static JsonNode awaitFleet(Map<String, String> env, Predicate<JsonNode> condition, String what)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
    String last = "";
    while (System.nanoTime() < deadline) {
      Result status = Shipped.run(env, QUICK, "status", "--fleet", "pair", "--json");
      last = status.toString();
      if (status.exitCode() == 0) {
        JsonNode json = JSON.readTree(status.out());
        if (condition.test(json)) {
          return json;
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the fleet never reached " + what + "; last status: " + last);
  }
}
