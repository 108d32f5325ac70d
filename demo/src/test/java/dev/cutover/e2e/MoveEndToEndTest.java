package dev.cutover.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.database.DatabaseActivities;
import dev.cutover.database.DatabaseActivitiesImpl;
import dev.cutover.database.LocalCluster;
import dev.cutover.demo.DemoWorld;
import dev.cutover.plan.Database;
import dev.cutover.plan.Verify;
import dev.cutover.verify.Comparisons;
import dev.cutover.verify.TableComparison;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A real move of a real database between two throwaway clusters, through a real gRPC embedded Temporal
 * service and a worker, driven only through the command line, as an operator would.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MoveEndToEndTest {

  private static final Path TEMPLATE = Path.of("../examples/local-move.yaml");

  private DemoWorld world;
  private Path plan;
  private String address;

  @BeforeEach
  void buildWorld() throws Exception {
    world = DemoWorld.create(1, line -> {});
    plan = world.writePlan(TEMPLATE);
    address = world.temporal().address();
  }

  @AfterEach
  void tearDown() {
    world.close();
  }

  @Test
  void aConfirmedMoveEndsWithIdenticalDatabasesAndOnlyTheTargetWriting() throws Exception {
    world.startWorker();
    CompletableFuture<Cli> move = CompletableFuture.supplyAsync(() -> Cli.run("start", plan.toString(), "--wait", "--address", address));

    JsonNode gate = awaitGate();
    assertTrue(gate.path("estimatedBlackoutMillis").asLong() > 0, gate.toString());
    assertTrue(world.isRunning("home-app"), "nothing stops before the confirm");
    Cli confirm = Cli.run("confirm", DemoWorld.APP, "--by", "tester", "--address", address);
    assertEquals(0, confirm.exitCode(), confirm.err());

    Cli finished = move.get(2, TimeUnit.MINUTES);
    assertEquals(0, finished.exitCode(), finished.out() + finished.err());
    assertTrue(finished.out().contains("all 6 tables match"), finished.out());

    List<TableComparison> tables = compareNow();
    assertTrue(Comparisons.allMatch(tables), tables.toString());
    assertEquals(6244L, rows(tables, "public.stickers"));
    assertFalse(world.isRunning("home-app"));
    assertFalse(world.isRunning("home-nightly-standings"));
    assertFalse(world.isRunning("home-scoring"));
    assertTrue(world.isRunning("arm-app"));
    assertTrue(world.isRunning("arm-scoring"));
    assertEquals("arm", world.servedBy());
    assertRefusesWrites(world.home());
    assertAcceptsWrites(world.arm());

    JsonNode status = statusJson();
    assertEquals("COMPLETED", status.path("outcome").asText());
    assertEquals("tester", status.path("confirmed").path("by").asText());
  }

  @Test
  void anAbortAtTheGateLeavesTheSourceServingAndRemovesTheTarget() throws Exception {
    world.startWorker();
    assertEquals(0, Cli.run("start", plan.toString(), "--address", address).exitCode());
    awaitGate();

    Cli abort = Cli.run("abort", DemoWorld.APP, "--reason", "not today", "--by", "tester", "--address", address);
    assertEquals(0, abort.exitCode(), abort.err());
    Cli watch = Cli.run("watch", DemoWorld.APP, "--address", address);

    assertEquals(3, watch.exitCode(), watch.out());
    assertTrue(watch.out().contains("ABORTED: aborted at the confirm gate by tester: not today"), watch.out());
    assertTrue(world.isRunning("home-app"));
    assertTrue(world.isRunning("home-nightly-standings"));
    assertTrue(world.isRunning("home-scoring"));
    assertFalse(world.isRunning("arm-app"));
    assertAcceptsWrites(world.home());
    assertFalse(targetExists(), "the target database this move created is gone");
  }

  @Test
  void aRowChangedOnTheTargetFailsTheVerifyGateAndTheSourceServesAgain() throws Exception {
    try (PlainWorker worker = new PlainWorker(address, new TamperingCopy(world.arm()))) {
      CompletableFuture<Cli> move =
          CompletableFuture.supplyAsync(() -> Cli.run("start", plan.toString(), "--wait", "--address", address));
      awaitGate();
      assertEquals(0, Cli.run("confirm", DemoWorld.APP, "--address", address).exitCode());

      Cli finished = move.get(2, TimeUnit.MINUTES);

      assertEquals(3, finished.exitCode(), finished.out() + finished.err());
      assertTrue(finished.out().contains("verify gate failed: fingerprints differ: public.predictions"), finished.out());
      assertTrue(finished.out().contains("ROLLED_BACK"), finished.out());
      assertTrue(world.isRunning("home-app"));
      assertTrue(world.isRunning("home-nightly-standings"));
      assertTrue(world.isRunning("home-scoring"));
      assertFalse(world.isRunning("arm-app"));
      assertFalse(world.isRunning("arm-scoring"));
      assertEquals("home", world.servedBy());
      assertAcceptsWrites(world.home());
      assertFalse(targetExists());
    }
  }

  @Test
  void aSecondStartOfTheSameAppIsRefusedNamingTheRunningMove() throws Exception {
    world.startWorker();
    assertEquals(0, Cli.run("start", plan.toString(), "--address", address).exitCode());

    Cli second = Cli.run("start", plan.toString(), "--address", address);

    assertEquals(2, second.exitCode());
    assertTrue(second.err().contains("a move of game is already running (workflow cutover-game, run "), second.err());
    Cli.run("abort", DemoWorld.APP, "--address", address);
  }

  /** The real copy, then one changed row on the target, on the final copy only (not the rehearsal). */
  static final class TamperingCopy extends DatabaseActivitiesImpl {
    private final LocalCluster target;
    private final AtomicInteger copies = new AtomicInteger();

    TamperingCopy(LocalCluster target) {
      this.target = target;
    }

    @Override
    public CopyResult copy(CopyRequest request) {
      CopyResult result = super.copy(request);
      if (copies.incrementAndGet() == 2) {
        try (Connection c = target.connect(DemoWorld.DATABASE); Statement s = c.createStatement()) {
          s.execute("SET default_transaction_read_only = off");
          s.execute("UPDATE predictions SET points_awarded = points_awarded + 1 WHERE id = 42");
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      }
      return result;
    }
  }

  private JsonNode awaitGate() throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      Cli status = Cli.run("status", DemoWorld.APP, "--json", "--address", address);
      if (status.exitCode() == 0) {
        JsonNode json = new ObjectMapper().readTree(status.out());
        if (json.path("waitingForConfirm").asBoolean()) {
          return json;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the move never reached the confirm gate");
  }

  private JsonNode statusJson() throws Exception {
    Cli status = Cli.run("status", DemoWorld.APP, "--json", "--address", address);
    assertEquals(0, status.exitCode(), status.err());
    return new ObjectMapper().readTree(status.out());
  }

  private List<TableComparison> compareNow() {
    DatabaseActivities db = new DatabaseActivitiesImpl();
    return Comparisons.compare(
        db.fingerprint(new DatabaseActivities.FingerprintRequest("home", database(world.home()), Verify.ALL)),
        db.fingerprint(new DatabaseActivities.FingerprintRequest("arm", database(world.arm()), Verify.ALL)));
  }

  private static long rows(List<TableComparison> tables, String table) {
    return tables.stream().filter(t -> t.table().equals(table)).findFirst().orElseThrow().targetRows();
  }

  private boolean targetExists() {
    return new DatabaseActivitiesImpl()
        .inspect(new DatabaseActivities.InspectRequest("arm", database(world.arm()))).exists();
  }

  private static Database database(LocalCluster cluster) {
    return new Database(cluster.jdbcUrl(DemoWorld.DATABASE), LocalCluster.SUPERUSER, null, null);
  }

  private static void assertAcceptsWrites(LocalCluster cluster) throws SQLException {
    try (Connection c = cluster.connect(DemoWorld.DATABASE); Statement s = c.createStatement()) {
      s.execute("INSERT INTO standings_history (run, profile_id, points) VALUES (1000001, 1, 0)");
    }
  }

  private static void assertRefusesWrites(LocalCluster cluster) throws SQLException {
    try (Connection c = cluster.connect(DemoWorld.DATABASE); Statement s = c.createStatement()) {
      SQLException refused = assertThrows(SQLException.class,
          () -> s.execute("INSERT INTO standings_history (run, profile_id, points) VALUES (1000002, 1, 0)"));
      assertEquals("25006", refused.getSQLState(), refused.getMessage());
    }
  }
}
