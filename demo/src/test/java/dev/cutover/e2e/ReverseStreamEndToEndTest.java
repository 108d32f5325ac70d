package dev.cutover.e2e;

import static dev.cutover.e2e.MoveEndToEndTest.assertAcceptsWrites;
import static dev.cutover.e2e.MoveEndToEndTest.assertRefusesWrites;
import static dev.cutover.e2e.Scenario.assertNothingLostAndOneWriter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.demo.DemoReport;
import dev.cutover.demo.DemoWorld;
import dev.cutover.testing.LocalCluster;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 end to end: a logical move with {@code copy.rollbackWindow} keeps home current from arm after its
 * switch, so players' actions on arm reach home while they play; the rollback takes that stream over and its
 * freeze only catches up and re-checks what changed. Closing instead removes the stream from both boxes, and a
 * commit on home that did not come from the stream raises the two-writer alarm.
 */
@Tag("slow")
class ReverseStreamEndToEndTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** A row written on arm after the switch, outside the players, to find on home. */
  private static final String MARK = "INSERT INTO standings_history (run, profile_id, points) VALUES (9000007, 3, 71)";

  @RegisterExtension final Scenario scenario = new Scenario();
  @TempDir Path logs;

  /**
   * The worker is SIGKILLed inside the rollback's freeze (while arm's slow writer stops) and a new one takes
   * over: the adopted stream's rollback finishes as a forward move would, nothing lost. The blackout of an
   * undisturbed one is in the bench (docs/benchmarks.md, "Rollback over the kept reverse stream").
   */
  @Test
  void aRollbackOverTheKeptStreamSurvivesItsWorkerKilledInTheFreezeAndBringsBackEverything() throws Exception {
    // A replaced worker costs the freeze a heartbeat timeout: past Caddy's default budget it would roll back.
    scenario.start(DemoWorld.Options.forTests(), plan -> keeping(plan).replace("  writers:\n",
        "  writers:\n    - {name: slow-stopper, stop: [sleep, \"3\"], start: [\"true\"]}\n")
        + "\nfreeze: {maxBlackout: 5m}\n");
    DemoWorld world = scenario.world;
    String address = scenario.address;
    LauncherProcess first = LauncherProcess.worker(address, logs.resolve("worker-1.log"));
    try {
      scenario.awaitPlayers();
      Cli moved = scenario.confirmedMove(180);
      assertEquals(0, moved.exitCode(), moved.out() + moved.err());
      assertTrue(moved.out().contains("home is kept current until "), moved.out());
      Histories.record(address, "cutover-game", "reverse-stream");

      long acknowledged = world.acknowledgedSoFar();
      execute(world.arm(), MARK);
      awaitRow(world.home(), "the row written on arm streamed back to home");
      long deadline = System.currentTimeMillis() + 30_000;
      while (world.acknowledgedSoFar() < acknowledged + 50) {
        assertTrue(System.currentTimeMillis() < deadline, "players were acknowledged on arm");
        Thread.sleep(20);
      }
      Cli status = awaitFallback(f -> f.path("last").path("exists").asBoolean(), "the watcher's first look");
      assertTrue(status.out().contains("home is kept current by the reverse stream from arm"), status.out());
      assertTrue(status.out().contains("streaming: "), status.out());

      Cli rollback = Cli.run("rollback", DemoWorld.APP, "--by", "tester", "--address", address);
      assertEquals(0, rollback.exitCode(), rollback.out() + rollback.err());
      assertTrue(rollback.out().contains("the rollback takes it over and its freeze only catches up"), rollback.out());
      scenario.awaitStatus(s -> Scenario.running(s, "stop writer slow-stopper on arm"), "the rollback's freeze");
    } finally {
      first.kill();
    }
    try (LauncherProcess second = LauncherProcess.worker(address, logs.resolve("worker-2.log"))) {
      Cli watch = Cli.run("watch", DemoWorld.APP, "--address", address);
      Histories.record(address, "cutover-game", "rollback-adopting");
      JsonNode back = scenario.status();
      DemoReport report = scenario.finish();

      assertEquals(0, watch.exitCode(), watch.out() + watch.err());
      assertTrue(watch.out().contains("COMPLETED: moved game from arm to home"), watch.out());
      assertTrue(detail(back, "adopt the reverse stream kept since the switch").contains("nothing to copy"), back.toString());
      assertEquals("", detail(back, "dump and restore"), "nothing was copied whole");
      // Every action acknowledged on either box, before or after the first switch, is on home now.
      assertNothingLostAndOneWriter(report);
      assertEquals("home", report.liveBox());
      awaitRow(world.home(), "the marked row is on home");
      assertAcceptsWrites(world.home());
      assertRefusesWrites(world.arm());
      assertEquals(0, count(world.arm(), "SELECT count(*) FROM pg_replication_slots"), "no slot left on arm");
      assertEquals(0, count(world.home(), "SELECT count(*) FROM pg_replication_slots"), "no slot left on home");
      assertEquals(0, count(world.home(), "SELECT count(*) FROM pg_subscription"), "no subscription left on home");
      JsonNode fallback = JSON.readTree(Cli.run("status", DemoWorld.APP, "--json", "--address", address).out())
          .path("fallback");
      assertEquals("HANDED_OVER", fallback.path("state").asText(), fallback.toString());
      System.out.println("rollback over the kept stream, worker killed in its freeze: " + freezeSteps(back)
          + "; database blackout " + report.blackoutMillis() + " ms");
    }
  }

  @Test
  void aBrokenStreamMakesTheRollbackCopyEverythingAndSaySo() throws Exception {
    DemoWorld world = startKeeping();
    Cli moved = scenario.confirmedMove(180);
    assertEquals(0, moved.exitCode(), moved.out() + moved.err());
    execute(world.home(), "SET default_transaction_read_only = off", "ALTER SUBSCRIPTION cutover_game DISABLE");
    Cli broken = awaitFallback(f -> f.path("state").asText().equals("BROKEN"), "the stream shown broken");
    assertTrue(broken.out().contains("BROKEN: the subscription cutover_game on home is disabled"), broken.out());
    assertTrue(broken.out().contains("would copy everything again in its freeze"), broken.out());
    execute(world.arm(), MARK);

    Cli rollback = Cli.run("rollback", DemoWorld.APP, "--wait", "--by", "tester", "--address", scenario.address);
    Histories.record(scenario.address, "cutover-game", "rollback-hold-back");
    DemoReport report = scenario.finish();

    assertEquals(0, rollback.exitCode(), rollback.out() + rollback.err());
    assertTrue(rollback.out().contains("the reverse stream is broken (the subscription cutover_game on home is"
        + " disabled): the rollback removes it and copies everything in its freeze"), rollback.out());
    assertTrue(rollback.out().contains("not taken over (the reverse stream is broken"), rollback.out());
    assertTrue(rollback.out().contains("dump and restore"), rollback.out());
    // Caddy held the rollback's requests for home, its own upstream, and let them through as home started.
    assertTrue(rollback.out().contains("requests wait up to 30 s for 127.0.0.1:"), rollback.out());
    assertEquals(0, report.failedRequests(), "no request failed, the rollback's freeze included");
    assertNothingLostAndOneWriter(report);
    assertEquals("home", report.liveBox());
    awaitRow(world.home(), "the row written on arm while the stream was down came back by the copy");
    assertEquals(0, count(world.arm(), "SELECT count(*) FROM pg_replication_slots"), "no slot left on arm");
  }

  /** "step 120 ms, ..." for the steps between the freeze and the flip. */
  private static String freezeSteps(JsonNode status) {
    StringBuilder out = new StringBuilder();
    for (JsonNode step : status.path("steps")) {
      if (java.util.Set.of("FREEZE", "COPY", "VERIFY", "SWITCH").contains(step.path("phase").asText())
          && step.path("endedAt").isNumber()) {
        out.append(out.length() == 0 ? "" : ", ").append(step.path("name").asText()).append(' ')
            .append(step.path("endedAt").asLong() - step.path("startedAt").asLong()).append(" ms");
      }
    }
    return out.toString();
  }

  @Test
  void closingRemovesTheStreamFromBothBoxesAndAStrayCommitOnTheFallbackRaisesTheAlarm() throws Exception {
    DemoWorld world = startKeeping();
    Cli moved = scenario.confirmedMove(180);
    assertEquals(0, moved.exitCode(), moved.out() + moved.err());
    awaitFallback(f -> f.path("last").path("exists").asBoolean(), "the watcher's first look");
    assertEquals(1, count(world.arm(), "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'cutover_game'"));

    // A superuser gets round the fence: exactly the second writer the watch is there to see.
    // With its own id: the stream carries rows, not sequences, so home's sequence is where the switch left it.
    execute(world.home(), "SET default_transaction_read_only = off",
        "INSERT INTO standings_history (id, run, profile_id, points) VALUES (900000007, 9000007, 3, 71)");
    Cli alarmed = awaitFallback(f -> f.path("strayWrites").asLong() >= 1, "the alarm");
    assertTrue(alarmed.out().contains("ALARM: 1 commit(s) on home did not come from the reverse stream: a second"
        + " writer (xid "), alarmed.out());
    assertTrue(alarmed.out().contains("INSERT public.standings_history"), alarmed.out());

    Cli close = Cli.run("close", DemoWorld.APP, "--by", "tester", "--address", scenario.address);
    assertEquals(0, close.exitCode(), close.out() + close.err());
    assertTrue(close.out().contains("closed the rollback window of game"), close.out());
    assertEquals(0, count(world.arm(), "SELECT count(*) FROM pg_replication_slots"), "no slot left on arm");
    assertEquals(0, count(world.arm(), "SELECT count(*) FROM pg_publication"), "no publication left on arm");
    assertEquals(0, count(world.home(), "SELECT count(*) FROM pg_subscription"), "no subscription left on home");
    assertEquals(0, count(world.home(), "SELECT count(*) FROM pg_replication_slots"), "no watch slot left on home");
    Cli again = Cli.run("close", DemoWorld.APP, "--address", scenario.address);
    assertEquals(2, again.exitCode(), again.out() + again.err());
    assertTrue(again.err().contains("nothing to close: the reverse stream of game has already ended (closed by"
        + " tester)"), again.err());
    Cli shown = Cli.run("status", DemoWorld.APP, "--address", scenario.address);
    assertTrue(shown.out().contains("home is no longer kept current: closed by tester"), shown.out());
    assertTrue(shown.out().contains("ALARM: 1 commit(s) on home"), "the alarm outlives the stream: " + shown.out());

    DemoReport report = scenario.finish();
    assertNothingLostAndOneWriter(report);
    assertEquals("arm", report.liveBox());
    assertAcceptsWrites(world.arm());
  }

  private DemoWorld startKeeping() throws Exception {
    return scenario.startUnderLoad(DemoWorld.Options.forTests(), ReverseStreamEndToEndTest::keeping);
  }

  private static String keeping(String plan) {
    return plan.replace("copy: {strategy: dump-restore, jobs: 2}",
        "copy: {strategy: logical, replicaIdentityFull: true, rollbackWindow: 1h}");
  }

  /** The detail of the status step named {@code name}, or "" when there is none. */
  private static String detail(JsonNode status, String name) {
    for (JsonNode step : status.path("steps")) {
      if (step.path("name").asText().equals(name)) {
        return step.path("detail").asText();
      }
    }
    return "";
  }

  /** Polls `status --json` until the fallback block satisfies {@code condition}; returns the text status then. */
  private Cli awaitFallback(java.util.function.Predicate<JsonNode> condition, String what) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    String last = "";
    while (System.currentTimeMillis() < deadline) {
      Cli json = Cli.run("status", DemoWorld.APP, "--json", "--address", scenario.address);
      last = json.out() + json.err();
      if (json.exitCode() == 0 && condition.test(JSON.readTree(json.out()).path("fallback"))) {
        return Cli.run("status", DemoWorld.APP, "--address", scenario.address);
      }
      Thread.sleep(250);
    }
    throw new AssertionError("never saw " + what + ": " + last);
  }

  private static void awaitRow(LocalCluster cluster, String what) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (count(cluster, "SELECT count(*) FROM standings_history WHERE run = 9000007 AND points = 71") != 1) {
      assertTrue(System.currentTimeMillis() < deadline, what);
      Thread.sleep(50);
    }
  }

  /** Each statement on its own, in one session: a SET must come before the transaction it is to change. */
  private static void execute(LocalCluster cluster, String... statements) throws SQLException {
    try (Connection c = cluster.connect(DemoWorld.DATABASE); Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }

  private static long count(LocalCluster cluster, String sql) throws SQLException {
    try (Connection c = cluster.connect(DemoWorld.DATABASE); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
