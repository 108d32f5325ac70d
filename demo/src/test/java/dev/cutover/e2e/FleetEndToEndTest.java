package dev.cutover.e2e;

import static dev.cutover.demo.SmallApps.drop;
import static dev.cutover.demo.SmallApps.exists;
import static dev.cutover.demo.SmallApps.maxOverlappingFreezes;
import static dev.cutover.demo.SmallApps.rows;
import static dev.cutover.demo.SmallApps.sum;
import static dev.cutover.demo.SmallApps.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.cutover.cli.EmbeddedTemporal;
import dev.cutover.database.CopyActivitiesImpl;
import dev.cutover.demo.SmallApps;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.SharedClusters;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18's fleet, for real: ten small apps, each its own database on one shared source cluster and one shared
 * target cluster, moved by one fleet with maxConcurrent 3 through the embedded service and a worker, driven
 * only through the command line. One app's target is changed behind the copy's back inside its freeze: its
 * verify gate fails and it rolls back alone while the other nine complete with every row they had.
 */
@Tag("slow")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FleetEndToEndTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int APPS = 10;
  private static final String FLEET = "sites";
  /** Database names no other test class uses: the clusters are shared with them. */
  private static final String PREFIX = "flt-site";
  private static final String TAMPERED = PREFIX + 4;
  private static final int ROWS_BEFORE = 500;
  private static final int ROWS_AT_GATE = 50;

  @RegisterExtension static final SharedClusters clusters = new SharedClusters();
  @TempDir Path dir;

  @Test
  void tenAppsMoveAtMostThreeFreezingAndOneFailingVerifyRollsBackAlone() throws Exception {
    LocalCluster home = clusters.home();
    LocalCluster arm = clusters.arm();
    List<String> apps = IntStream.range(0, APPS).mapToObj(n -> PREFIX + n).toList();
    HttpServer health = SmallApps.healthServer();
    long started = System.nanoTime();
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(0);
        PlainWorker worker = new PlainWorker(temporal.address(), new TamperingCopy(arm))) {
      String address = temporal.address();
      List<Path> files = new ArrayList<>();
      for (String app : apps) {
        home.createDatabase(app);
        write(home, app, 1, ROWS_BEFORE);
        files.add(SmallApps.plan(dir, app, home, arm, health.getAddress().getPort()));
      }
      Path fleetFile = SmallApps.fleet(dir, FLEET, 3, files);

      Cli start = Cli.run("start", fleetFile.toString(), "--by", "ops", "--address", address);
      assertEquals(0, start.exitCode(), start.out() + start.err());
      assertTrue(start.out().startsWith("started the fleet sites: 10 apps (flt-site0, "), start.out());

      JsonNode atGates = awaitFleet(address, s -> count(s, a -> a.path("gate").asText().equals("AT_GATE")) == APPS,
          "every app at its gate");
      long gateMillis = (System.nanoTime() - started) / 1_000_000;
      assertEquals(0, atGates.path("totals").path("pastGate").asInt());
      Cli shown = Cli.run("status", "--fleet", FLEET, "--address", address);
      assertEquals(0, shown.exitCode(), shown.err());
      assertTrue(shown.out().contains("WAITING FOR CONFIRM: `cutover confirm --fleet sites`"), shown.out());
      assertEquals(APPS, shown.out().lines().filter(l -> l.startsWith(PREFIX) && l.contains("at gate")).count(),
          shown.out());

      // Written after the rehearsal copy: only the freeze's copy can bring these across.
      for (String app : apps) {
        write(home, app, ROWS_BEFORE + 1, ROWS_AT_GATE);
      }
      Cli direct = Cli.run("confirm", PREFIX + 0, "--address", address);
      assertEquals(2, direct.exitCode(), direct.out() + direct.err());
      assertTrue(direct.err().contains("the move of flt-site0 belongs to the fleet sites, which lets at most"
          + " maxConcurrent apps past their gates at once: confirm it through the fleet, `cutover confirm --fleet"
          + " sites`"), direct.err());
      Cli each = Cli.run("confirm", "--fleet", FLEET, "--each", PREFIX + 0, "--address", address);
      assertEquals(2, each.exitCode(), each.err());
      assertTrue(each.err().contains("this fleet confirms all its apps at once (confirm: batch)"), each.err());

      long confirmedAt = System.nanoTime();
      Cli confirm = Cli.run("confirm", "--fleet", FLEET, "--by", "ops", "--address", address);
      assertEquals(0, confirm.exitCode(), confirm.out() + confirm.err());
      int maxPastGate = 0;
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
      JsonNode last;
      do {
        assertTrue(System.nanoTime() < deadline, "the fleet never ended");
        Cli status = Cli.run("status", "--fleet", FLEET, "--json", "--address", address);
        assertEquals(0, status.exitCode(), status.err());
        last = JSON.readTree(status.out());
        maxPastGate = Math.max(maxPastGate, last.path("totals").path("pastGate").asInt());
        Thread.sleep(100);
      } while (last.path("totals").path("ended").asInt() < APPS);
      long fleetMillis = (System.nanoTime() - confirmedAt) / 1_000_000;

      Cli watched = Cli.run("watch", "--fleet", FLEET, "--address", address);
      assertEquals(3, watched.exitCode(), "the worst app's code: one rolled back\n" + watched.out() + watched.err());
      assertTrue(watched.out().contains("10 apps: 9 completed, 1 rolled back"), watched.out());
      Cli report = Cli.run("report", "--fleet", FLEET, "--address", address);
      assertEquals(0, report.exitCode(), report.out() + report.err());
      assertTrue(report.out().contains("**10 apps: 9 completed, 1 rolled back**"), report.out());
      for (String app : apps) {
        String line = report.out().lines().filter(l -> l.startsWith(app + " ")).findFirst().orElse("");
        assertTrue(line.contains(app.equals(TAMPERED) ? "ROLLED_BACK" : "COMPLETED"), app + ": " + report.out());
      }
      JsonNode result = JSON.readTree(Cli.run("report", "--fleet", FLEET, "--format", "json", "--address", address).out());
      assertEquals(APPS, result.path("apps").size());
      for (JsonNode app : result.path("apps")) {
        String name = app.path("app").asText();
        assertEquals(name.equals(TAMPERED) ? "ROLLED_BACK" : "COMPLETED", app.path("outcome").asText(), app.toString());
        if (!name.equals(TAMPERED)) {
          assertEquals(0, app.path("lost").asLong(-1), "the verify gate found every source row on the target: " + app);
          assertTrue(app.path("blackoutMillis").asLong() > 0, app.toString());
          assertEquals(ROWS_BEFORE + ROWS_AT_GATE, rows(arm, name), name + ": every row is on the target");
          assertEquals(sum(home, name), sum(arm, name), name + ": and the same rows");
        }
      }
      assertTrue(report.out().contains("lost 0"), report.out());

      // The one that failed its verify: the source serves again with its rows, its target is gone.
      assertEquals(ROWS_BEFORE + ROWS_AT_GATE, rows(home, TAMPERED));
      write(home, TAMPERED, 10_000, 1);
      assertFalse(exists(arm, TAMPERED), "the target database the failed move created is dropped");
      Cli tampered = Cli.run("report", TAMPERED, "--address", address);
      assertTrue(tampered.out().contains("verify gate failed: fingerprints differ: public.ledger"), tampered.out());

      int overlap = maxOverlappingFreezes(address, apps);
      assertTrue(overlap <= 3, "at most maxConcurrent freezes at once, read from the histories: " + overlap);
      assertTrue(overlap >= 2, "the fleet moved apps side by side: " + overlap);
      assertTrue(maxPastGate <= 3, "status never showed more than 3 past their gates: " + maxPastGate);
      System.out.printf("fleet of %d apps, maxConcurrent 3: all at their gates after %d ms; confirm to end %d ms;"
          + " at most %d freezes overlapped (histories), %d past their gates (status); 9 completed, 1 rolled back%n",
          APPS, gateMillis, fleetMillis, overlap, maxPastGate);
    } finally {
      health.stop(0);
      for (String app : apps) {
        drop(home, app);
        drop(arm, app);
      }
    }
  }

  private static JsonNode awaitFleet(String address, Predicate<JsonNode> condition, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    String last = "";
    while (System.nanoTime() < deadline) {
      Cli status = Cli.run("status", "--fleet", FLEET, "--json", "--address", address);
      last = status.out() + status.err();
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

  private static long count(JsonNode status, Predicate<JsonNode> app) {
    long n = 0;
    for (JsonNode a : status.path("apps")) {
      n += app.test(a) ? 1 : 0;
    }
    return n;
  }

  /** The real copy; for one app, its freeze's copy (its second) is followed by a change on the target. */
  static final class TamperingCopy extends CopyActivitiesImpl {
    private final LocalCluster target;
    private final Map<String, AtomicInteger> copies = new ConcurrentHashMap<>();

    TamperingCopy(LocalCluster target) {
      this.target = target;
    }

    @Override
    public CopyResult copy(CopyRequest request) {
      CopyResult result = super.copy(request);
      if (request.app().equals(TAMPERED)
          && copies.computeIfAbsent(request.app(), k -> new AtomicInteger()).incrementAndGet() == 2) {
        try (Connection c = target.connect(TAMPERED); Statement s = c.createStatement()) {
          s.execute("SET default_transaction_read_only = off");
          s.execute("UPDATE ledger SET amount = amount + 1 WHERE id = 42");
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      }
      return result;
    }
  }
}
