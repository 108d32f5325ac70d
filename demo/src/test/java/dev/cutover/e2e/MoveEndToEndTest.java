package dev.cutover.e2e;

import static dev.cutover.e2e.Scenario.assertNothingLostAndOneWriter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.database.DatabaseActivities;
import dev.cutover.database.CopyActivitiesImpl;
import dev.cutover.database.DatabaseActivitiesImpl;
import dev.cutover.database.FingerprintActivitiesImpl;
import dev.cutover.testing.LocalCluster;
import dev.cutover.demo.DemoReport;
import dev.cutover.demo.DemoWorld;
import dev.cutover.plan.Database;
import dev.cutover.plan.Verify;
import dev.cutover.verify.Comparisons;
import dev.cutover.verify.FingerprintActivities;
import dev.cutover.verify.TableComparison;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real moves of the game between two throwaway clusters while the players play through a real Caddy,
 * through the embedded Temporal service and a worker, driven only through the command line. Every
 * scenario ends with every acknowledged write found on the live box and never two writers at once.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class MoveEndToEndTest {

  @RegisterExtension final Scenario scenario = new Scenario();

  @Test
  void aConfirmedMoveUnderLoadLosesNothingFailsNoRequestAndLeavesOnlyArmWriting() throws Exception {
    DemoWorld world = scenario.startUnderLoad(DemoWorld.Options.forTests());
    CompletableFuture<Cli> move = scenario.startMove();

    JsonNode gate = scenario.awaitGate();
    assertTrue(gate.path("estimatedBlackoutMillis").asLong() > 0, gate.toString());
    assertTrue(world.isRunning("home-app"), "nothing stops before the confirm");
    scenario.confirm("--by", "tester");

    Cli finished = move.get(2, TimeUnit.MINUTES);
    assertEquals(0, finished.exitCode(), finished.out() + finished.err());
    assertTrue(finished.out().contains("all 6 tables match"), finished.out());
    Histories.record(scenario.address, "cutover-game", "happy-path-summaries");
    DemoReport report = scenario.finish();

    assertNothingLostAndOneWriter(report);
    assertEquals("COMPLETED", report.outcome());
    assertEquals("arm", report.liveBox());
    assertEquals(0, report.failedRequests(), "Caddy held every request: " + report.failureSample());
    assertTrue(report.heldRequests() > 0, "requests sent in the freeze were held: " + report);
    assertNotNull(report.blackoutMillis(), report.toString());
    assertTrue(report.blackoutMillis() > 0 && report.blackoutMillis() < 10_000, report.toString());
    scenario.assertServicesRunOnlyOn("arm");
    assertEquals("arm", world.servedBy());
    assertRefusesWrites(world.home());
    assertAcceptsWrites(world.arm());
    try (Connection c = world.home().connect(DemoWorld.DATABASE); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT bool_and(graded) FROM matches WHERE full_time <= now()")) {
      rs.next();
      assertTrue(rs.getBoolean(1), "the freeze waited until the match that ended was graded on home");
    }
    JsonNode status = scenario.status();
    assertEquals("tester", status.path("confirmed").path("by").asText());
  }

  @Test
  void aSecondStartIsRefusedAndAnAbortAtTheGateLeavesHomeServingAndRemovesTheTarget() throws Exception {
    scenario.start(DemoWorld.Options.forTests());
    DemoWorld world = scenario.world;
    world.startWorker();
    assertEquals(0, Cli.run("start", scenario.plan.toString(), "--address", scenario.address).exitCode());

    Cli second = Cli.run("start", scenario.plan.toString(), "--address", scenario.address);
    assertEquals(2, second.exitCode());
    assertTrue(second.err().contains("a move of game is already running (workflow cutover-game, run "), second.err());

    scenario.awaitGate();
    Cli abort = Cli.run("abort", DemoWorld.APP, "--reason", "not today", "--by", "tester", "--address", scenario.address);
    assertEquals(0, abort.exitCode(), abort.err());
    // A confirm sent after the abort is refused, and says why (or that the move has ended meanwhile).
    Cli late = Cli.run("confirm", DemoWorld.APP, "--address", scenario.address);
    assertEquals(2, late.exitCode(), late.out() + late.err());
    assertTrue(late.err().contains("cannot confirm the move of game: the move was already aborted by tester: not today")
        || late.err().contains("the move of game has already ended"), late.err());
    Cli watch = Cli.run("watch", DemoWorld.APP, "--address", scenario.address);
    Histories.record(scenario.address, "cutover-game", "abort-at-gate");
    DemoReport report = scenario.finish();

    assertEquals(3, watch.exitCode(), watch.out());
    assertTrue(watch.out().contains("ABORTED: aborted at the confirm gate by tester: not today"), watch.out());
    assertNothingLostAndOneWriter(report);
    assertEquals("home", report.liveBox());
    assertEquals(0, report.failedRequests(), report.failureSample().toString());
    scenario.assertServicesRunOnlyOn("home");
    assertAcceptsWrites(world.home());
    assertFalse(targetExists(world), "the target database this move created is gone");
  }

  @Test
  void aRowChangedOnTheTargetFailsTheVerifyGateAndHomeServesAgainWithNothingLost() throws Exception {
    scenario.start(DemoWorld.Options.forTests());
    DemoWorld world = scenario.world;
    try (PlainWorker worker = new PlainWorker(scenario.address, new TamperingCopy(world.arm()))) {
      Cli finished = scenario.confirmedMove();
      DemoReport report = scenario.finish();
      Histories.record(scenario.address, "cutover-game", "verify-failure-rollback");

      assertEquals(3, finished.exitCode(), finished.out() + finished.err());
      assertTrue(finished.out().contains("verify gate failed: fingerprints differ: public.predictions"), finished.out());
      assertTrue(finished.out().contains("ROLLED_BACK"), finished.out());
      assertNothingLostAndOneWriter(report);
      assertEquals("home", report.liveBox());
      scenario.assertServicesRunOnlyOn("home");
      assertEquals("home", world.servedBy());
      assertAcceptsWrites(world.home());
      assertFalse(targetExists(world));
    }
  }

  @Test
  void aSequenceResetOnTheTargetFailsTheVerifyGateNamingItThoughEveryRowMatches() throws Exception {
    scenario.start(DemoWorld.Options.forTests());
    DemoWorld world = scenario.world;
    try (PlainWorker worker = new PlainWorker(scenario.address,
        new TamperingCopy(world.arm(), "SELECT setval('predictions_id_seq', 1)"))) {
      Cli finished = scenario.confirmedMove();
      DemoReport report = scenario.finish();
      Histories.record(scenario.address, "cutover-game", "verify-objects-rollback");

      assertEquals(3, finished.exitCode(), finished.out() + finished.err());
      assertTrue(finished.out().contains("verify gate failed: fingerprints differ: sequence public.predictions_id_seq:"
          + " last_value "), finished.out());
      assertTrue(finished.out().contains(", 1 on arm"), finished.out());
      assertTrue(finished.out().contains("ROLLED_BACK"), finished.out());
      assertNothingLostAndOneWriter(report);
      assertEquals("home", report.liveBox());
      assertAcceptsWrites(world.home());
      assertFalse(targetExists(world));
    }
  }

  @Test
  void aRollbackAfterTheSwitchBringsBackEverythingPlayersDidOnArm() throws Exception {
    DemoWorld world = scenario.startUnderLoad(DemoWorld.Options.forTests());
    assertEquals(0, scenario.confirmedMove().exitCode());
    long beforeRollback = world.acknowledgedSoFar();
    try (Connection c = world.arm().connect(DemoWorld.DATABASE); Statement s = c.createStatement()) {
      s.execute("INSERT INTO standings_history (run, profile_id, points) VALUES (9000003, 3, 77)");
    }
    long deadline = System.currentTimeMillis() + 30_000;
    while (world.acknowledgedSoFar() < beforeRollback + 20) {
      assertTrue(System.currentTimeMillis() < deadline, "players were acknowledged on arm");
      Thread.sleep(20);
    }

    Cli rollback = Cli.run("rollback", DemoWorld.APP, "--wait", "--by", "tester", "--address", scenario.address);
    Histories.record(scenario.address, "cutover-game", "rollback-after-switch");
    DemoReport report = scenario.finish();

    assertEquals(0, rollback.exitCode(), rollback.out() + rollback.err());
    assertTrue(rollback.out().contains("COMPLETED: moved game from arm to home"), rollback.out());
    // Every action acknowledged on either box, before or after the first switch, is on home now.
    assertNothingLostAndOneWriter(report);
    assertEquals("home", report.liveBox());
    try (Connection c = world.home().connect(DemoWorld.DATABASE); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT points FROM standings_history WHERE run = 9000003")) {
      assertTrue(rs.next(), "the row written on arm came back");
      assertEquals(77, rs.getInt(1));
    }
    scenario.assertServicesRunOnlyOn("home");
    assertEquals("home", world.servedBy());
    assertAcceptsWrites(world.home());
    assertRefusesWrites(world.arm());
  }

  @Test
  void aLogicalMoveReplicatesWhilePlayersPlayAndLeavesNoSlotBehind() throws Exception {
    DemoWorld world = scenario.startUnderLoad(DemoWorld.Options.forTests(), plan -> plan.replace(
        "copy: {strategy: dump-restore, jobs: 2}", "copy: {strategy: logical, replicaIdentityFull: true}"));
    Cli finished = scenario.confirmedMove();
    DemoReport report = scenario.finish();

    assertEquals(0, finished.exitCode(), finished.out() + finished.err());
    assertTrue(finished.out().contains("catch up to the fence"), finished.out());
    // Verified before the freeze; inside it only what changed since was re-read.
    assertTrue(finished.out().contains("fingerprint both sides before the freeze"), finished.out());
    assertTrue(finished.out().contains("re-check what changed since the fingerprints before the freeze"), finished.out());
    // ... and the baselines were moved up to just before it, so the re-check read only the last seconds.
    assertTrue(finished.out().contains("move the fingerprints before the freeze up to now"), finished.out());
    Histories.record(scenario.address, "cutover-game", "logical-rebaseline");
    assertTrue(finished.out().contains("all 6 tables match"), finished.out());
    assertNothingLostAndOneWriter(report);
    assertEquals("arm", report.liveBox());
    assertEquals(0, report.failedRequests(), report.failureSample().toString());
    assertAcceptsWrites(world.arm());
    try (Connection c = world.home().connect(DemoWorld.DATABASE); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_replication_slots")) {
      rs.next();
      assertEquals(0, rs.getInt(1), "no replication slot is left on the source");
    }
    try (Connection c = world.arm().connect(DemoWorld.DATABASE); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_replication_slots")) {
      rs.next();
      assertEquals(0, rs.getInt(1), "no change-log slot is left on the target");
    }
  }

  /**
   * What logical replication cannot carry, on a real move under load: an unlogged table (named by preflight)
   * and a table created while the move waits at the gate. Both are copied whole in the freeze and proven.
   */
  @Test
  void aLogicalMoveCarriesAnUnloggedTableAndOneCreatedAtTheGateAndProvesThem() throws Exception {
    DemoWorld world = scenario.startUnderLoad(DemoWorld.Options.forTests(), plan -> plan.replace(
        "copy: {strategy: dump-restore, jobs: 2}", "copy: {strategy: logical, replicaIdentityFull: true}"));
    try (Connection c = world.home().connect(DemoWorld.DATABASE); Statement s = c.createStatement()) {
      s.execute("CREATE UNLOGGED TABLE session_cache (id int PRIMARY KEY, v text)");
      s.execute("INSERT INTO session_cache SELECT g, 'v' || g FROM generate_series(1, 1000) g");
    }
    java.util.concurrent.CompletableFuture<Cli> move = scenario.startMove();
    com.fasterxml.jackson.databind.JsonNode gate = scenario.awaitGate();
    assertTrue(gate.path("findings").toString().contains("unlogged table(s) on home, which logical replication does"
        + " not carry: public.session_cache"), gate.path("findings").toString());
    try (Connection c = world.home().connect(DemoWorld.DATABASE); Statement s = c.createStatement()) {
      s.execute("UPDATE session_cache SET v = 'changed' WHERE id <= 10");
      s.execute("CREATE TABLE badges (id serial PRIMARY KEY, profile_id int REFERENCES profiles, name text)");
      s.execute("INSERT INTO badges (profile_id, name) SELECT 1 + g % 5, 'badge ' || g FROM generate_series(1, 50) g");
    }
    scenario.confirm();
    Cli finished = move.get(120, java.util.concurrent.TimeUnit.SECONDS);
    DemoReport report = scenario.finish();

    assertEquals(0, finished.exitCode(), finished.out() + finished.err());
    assertTrue(finished.out().contains("all 8 tables match"), finished.out());
    assertFalse(finished.out().contains("differs:"), finished.out());
    assertNothingLostAndOneWriter(report);
    assertEquals("arm", report.liveBox());
    try (Connection c = world.arm().connect(DemoWorld.DATABASE); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM session_cache WHERE v = 'changed'),"
            + " (SELECT count(*) FROM badges)")) {
      rs.next();
      assertEquals(10, rs.getInt(1));
      assertEquals(50, rs.getInt(2));
    }
  }

  /** Waits a real 2 s for the gate to go stale, then a second preflight: slow, and covered fast in workflows. */
  @Test
  @Tag("slow")
  void aConfirmAfterTheMoveWentStaleRerunsPreflightThenMoves() throws Exception {
    scenario.start(DemoWorld.Options.forTests(),
        plan -> plan.replace("confirm: {staleAfter: 24h}", "confirm: {staleAfter: 2s}"));
    DemoWorld world = scenario.world;
    world.startWorker();
    CompletableFuture<Cli> move = scenario.startMove();
    scenario.awaitStatus(s -> s.path("stale").asBoolean() && s.path("waitingForConfirm").asBoolean(), "a stale gate");
    Cli confirm = scenario.confirm();
    assertTrue(confirm.out().contains("it was stale"), confirm.out());

    Cli finished = move.get(2, TimeUnit.MINUTES);
    Histories.record(scenario.address, "cutover-game", "stale-gate");
    DemoReport report = scenario.finish();

    assertEquals(0, finished.exitCode(), finished.out() + finished.err());
    assertTrue(finished.out().contains("confirmed by") && finished.out().contains("(after it went stale)"), finished.out());
    long preflights = scenario.status().path("steps").findValues("name").stream()
        .filter(n -> n.asText().equals("inspect target database")).count();
    assertEquals(2, preflights, "preflight ran again after the stale confirm");
    assertEquals("arm", report.liveBox());
    assertEquals(0, report.lost());
  }

  /** The real copy, then one changed row on the target, on the final copy only (not the rehearsal). */
  /** Changes the target behind the final copy's back (the second copy; the first is the rehearsal). */
  static final class TamperingCopy extends CopyActivitiesImpl {
    private final LocalCluster target;
    private final String change;
    private final AtomicInteger copies = new AtomicInteger();

    TamperingCopy(LocalCluster target) {
      this(target, "UPDATE predictions SET points_awarded = points_awarded + 1 WHERE id = 42");
    }

    TamperingCopy(LocalCluster target, String change) {
      this.target = target;
      this.change = change;
    }

    @Override
    public CopyResult copy(CopyRequest request) {
      CopyResult result = super.copy(request);
      if (copies.incrementAndGet() == 2) {
        try (Connection c = target.connect(DemoWorld.DATABASE); Statement s = c.createStatement()) {
          s.execute("SET default_transaction_read_only = off");
          s.execute(change);
        } catch (SQLException e) {
          throw new IllegalStateException(e);
        }
      }
      return result;
    }
  }

  static List<TableComparison> compareNow(DemoWorld world) {
    FingerprintActivities db = new FingerprintActivitiesImpl();
    return Comparisons.compare(
        db.fingerprint(new FingerprintActivities.FingerprintRequest("home", database(world.home()), Verify.ALL)),
        db.fingerprint(new FingerprintActivities.FingerprintRequest("arm", database(world.arm()), Verify.ALL)));
  }

  static boolean targetExists(DemoWorld world) {
    return new DatabaseActivitiesImpl()
        .inspect(new DatabaseActivities.InspectRequest("arm", database(world.arm()))).exists();
  }

  static Database database(LocalCluster cluster) {
    return new Database(cluster.jdbcUrl(DemoWorld.DATABASE), LocalCluster.SUPERUSER, null, null);
  }

  static void assertAcceptsWrites(LocalCluster cluster) throws SQLException {
    try (Connection c = cluster.connect(DemoWorld.DATABASE); Statement s = c.createStatement()) {
      s.execute("INSERT INTO standings_history (run, profile_id, points) VALUES (9000001, 1, 0)");
    }
  }

  static void assertRefusesWrites(LocalCluster cluster) throws SQLException {
    try (Connection c = cluster.connect(DemoWorld.DATABASE); Statement s = c.createStatement()) {
      SQLException refused = assertThrows(SQLException.class,
          () -> s.execute("INSERT INTO standings_history (run, profile_id, points) VALUES (9000002, 1, 0)"));
      assertEquals("25006", refused.getSQLState(), refused.getMessage());
    }
  }
}
