package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.database.DatabaseActivities.FenceRequest;
import dev.cutover.verify.FingerprintActivities.FingerprintRequest;
import dev.cutover.database.CopyActivities.LogicalCaughtUp;
import dev.cutover.database.CopyActivities.LogicalIssue;
import dev.cutover.database.CopyActivities.LogicalLag;
import dev.cutover.database.CopyActivities.LogicalReadiness;
import dev.cutover.database.CopyActivities.LogicalRequest;
import dev.cutover.database.CopyActivities.LogicalStarted;
import dev.cutover.database.CopyActivities.LogicalWaitRequest;
import dev.cutover.database.DatabaseActivities.TargetRequest;
import dev.cutover.plan.Copy;
import dev.cutover.plan.Database;
import dev.cutover.plan.Verify;
import dev.cutover.testing.LiveWriter;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.LogicalGame;
import dev.cutover.testing.PostgresClusters;
import dev.cutover.verify.Comparisons;
import dev.cutover.verify.TableComparison;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The logical copy on two real clusters, with an app writing to the source until the fence. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class LogicalReplicationTest {

  @RegisterExtension static final PostgresClusters clusters = new PostgresClusters();

  private static final Duration WAIT = Duration.ofMinutes(2);
  private static final Copy LOGICAL = new Copy(Copy.Strategy.LOGICAL, 1, Copy.Owner.TARGET_USER, true);

  private static int run;
  private final DatabaseActivitiesImpl activities = new DatabaseActivitiesImpl();
  private final CopyActivitiesImpl copies = new CopyActivitiesImpl();
  private final FingerprintActivitiesImpl fingerprints = new FingerprintActivitiesImpl();
  private String name;
  private Database source;
  private Database target;

  @BeforeEach
  void freshSource() throws SQLException {
    name = "game" + ++run;
    source = clusters.home().createDatabase(name, c -> LogicalGame.create(c, 30_000, 256));
    target = clusters.arm().database(name);
  }

  @Test
  void aMoveUnderLoadEndsWithEqualFingerprintsAndNothingLeftOnTheSource() throws Exception {
    LogicalRequest request = request("move-a", LOGICAL);
    LogicalReadiness ready = copies.checkLogical(request);
    assertEquals(List.of(), blocking(ready), ready.toString());
    assertEquals(List.of("public.audit_log"), ready.keylessTables());
    assertEquals(2, ready.largeObjects());

    try (LiveWriter writer = LiveWriter.start(clusters.home(), name)) {
      assertTrue(writer.awaitMore(50, WAIT), "the app writes before pre-sync");
      LogicalStarted started = copies.startLogical(request);
      assertFalse(started.reused());
      assertEquals(List.of("public.audit_log"), started.identityFull());
      assertEquals(7, started.tables(), "leaf tables, partitions one by one: " + started);
      assertEquals("f", identity(clusters.home(), name, "audit_log"), "pre-sync gave the keyless table a full identity");

      LogicalLag copied = copies.awaitInitialCopy(new LogicalWaitRequest(request, WAIT));
      assertTrue(copied.initialCopyDone(), copied.toString());
      assertEquals(0, copied.errors(), copied.toString());
      assertTrue(writer.awaitMore(300, WAIT), "the app keeps writing after the initial copy");
      LogicalLag lag = copies.lag(request);
      assertTrue(lag.subscribed() && lag.bytesBehind() != null && lag.bytesBehind() >= 0, lag.toString());

      try (Connection c = clusters.home().connect(name); Statement s = c.createStatement()) {
        // A burst right before the freeze, so the target is still applying it when the fence lands.
        s.execute("INSERT INTO game.players (email, points, bio) SELECT 'burst' || g, g, 'burst'"
            + " FROM generate_series(1, 200000) g");
      }
      activities.fence(new FenceRequest("game", "home", source));
      assertTrue(writer.awaitEnd(WAIT), "the fence ended the app's session");
      assertTrue(writer.endedBy() != null, "ended by the fence, not by its own limits");
    }

    LogicalCaughtUp caught = copies.catchUp(new LogicalWaitRequest(request, WAIT));
    assertFalse(caught.alreadyDone());
    assertEquals(4, caught.sequences(), caught.toString());
    assertEquals(2, caught.largeObjects(), caught.toString());
    assertNothingLeft();
    assertEquals("d", identity(clusters.home(), name, "audit_log"), "the source's identity is as it was");
    assertTrue(isFenced(clusters.arm(), name), "the target ends fenced, like after dump-restore");

    List<TableComparison> compared = Comparisons.compare(
        fingerprints.fingerprint(new FingerprintRequest("home", source, Verify.ALL)),
        fingerprints.fingerprint(new FingerprintRequest("arm", target, Verify.ALL)));
    assertTrue(Comparisons.allMatch(compared), compared.toString());
    assertEquals(6, compared.size(), compared.toString());

    LogicalCaughtUp again = copies.catchUp(new LogicalWaitRequest(request, WAIT));
    assertTrue(again.alreadyDone(), again.toString());
    assertEquals(caught.fenceLsn(), again.fenceLsn());
    assertNothingLeft();

    activities.unfence(new FenceRequest("game", "arm", target));
    try (Connection c = clusters.arm().connect(name); Statement s = c.createStatement()) {
      // Every sequence continues where the source left it: no key collides anywhere.
      s.execute("INSERT INTO game.players (email, points) VALUES ('new@x', 5)");
      s.execute("INSERT INTO trades (player, note) VALUES (1, 'new')");
      s.execute("INSERT INTO \"Odd Schema\".\"Tickets\" DEFAULT VALUES");
      s.execute("INSERT INTO game.events (at, what) VALUES ('2027-02-01', 'new')");
      s.execute("INSERT INTO audit_log VALUES ('new', now())");
      s.execute("INSERT INTO avatars VALUES (3, lo_from_bytea(0, 'new'))");
      assertEquals("10", text(s, "SELECT doubled::text FROM game.players WHERE email = 'new@x'"));
      assertEquals("\\x89504e47", text(s, "SELECT lo_get(image)::text FROM avatars WHERE player = 1"));
      assertEquals("1500000", text(s, "SELECT length(lo_get(image))::text FROM avatars WHERE player = 2"));
    }
  }

  @Test
  void cleanupDuringTheInitialCopyLeavesNoSlotAndTheSourceServesOn() throws Exception {
    LogicalRequest request = request("move-b", LOGICAL);
    try (LiveWriter writer = LiveWriter.start(clusters.home(), name)) {
      copies.startLogical(request);
      assertTrue(copies.lag(request).subscribed());
      assertTrue(countOnSource("SELECT count(*) FROM pg_replication_slots") >= 1, "the subscription holds a slot");

      copies.cleanupLogical(request);
      assertNothingLeft();
      assertNull(subscription(), "no subscription on the target");
      assertEquals("d", identity(clusters.home(), name, "audit_log"));
      long before = writer.commits();
      assertTrue(writer.awaitMore(100, WAIT), "the app still writes after the abort, keyless table included");
      assertTrue(writer.commits() > before);

      copies.cleanupLogical(request);
      assertNothingLeft();
    }
    // The compensation registered before pre-sync can now drop the target database.
    activities.dropTarget(new TargetRequest("game", "move-b", "arm", target));
    try (Connection c = clusters.arm().connect("postgres"); Statement s = c.createStatement()) {
      assertEquals("0", text(s, "SELECT count(*)::text FROM pg_database WHERE datname = '" + name + "'"));
    }
  }

  @Test
  void aRetryReusesThisMovesSubscriptionAndALaterMoveStartsOver() throws Exception {
    LogicalRequest first = request("move-c", LOGICAL);
    copies.startLogical(first);
    LogicalStarted retried = copies.startLogical(first);
    assertTrue(retried.reused(), retried.toString());
    assertEquals(List.of("public.audit_log"), retried.identityFull());

    LogicalStarted later = copies.startLogical(request("move-d", LOGICAL));
    assertFalse(later.reused());
    assertEquals(1, countOnSource("SELECT count(*) FROM pg_publication"));
    copies.awaitInitialCopy(new LogicalWaitRequest(request("move-d", LOGICAL), WAIT));
    assertEquals(1, countOnSource("SELECT count(*) FROM pg_replication_slots"), "only the new subscription's slot");
    copies.cleanupLogical(request("move-d", LOGICAL));
    assertNothingLeft();
  }

  @Test
  void ddlDuringPreSyncStopsTheCatchUpByName() throws Exception {
    LogicalRequest request = request("move-e", LOGICAL);
    copies.startLogical(request);
    copies.awaitInitialCopy(new LogicalWaitRequest(request, WAIT));
    try (Connection c = clusters.home().connect(name); Statement s = c.createStatement()) {
      s.execute("ALTER TABLE trades ADD COLUMN fee int");
    }
    activities.fence(new FenceRequest("game", "home", source));
    ApplicationFailure failure = assertThrows(ApplicationFailure.class,
        () -> copies.catchUp(new LogicalWaitRequest(request, WAIT)));
    assertTrue(failure.getOriginalMessage().contains("only on the source: public.trades r fee integer"),
        failure.getOriginalMessage());
    copies.cleanupLogical(request);
    assertNothingLeft();
    activities.unfence(new FenceRequest("game", "home", source));
  }

  @Test
  void cleanupWithTheSourceDownDetachesTheSubscriptionAndDropsTheSlotOnceTheSourceIsBack() throws Exception {
    LogicalRequest request = request("move-f", LOGICAL);
    copies.startLogical(request);
    clusters.home().stopServer();
    try {
      ApplicationFailure failure = assertThrows(ApplicationFailure.class, () -> copies.cleanupLogical(request));
      assertTrue(failure.getOriginalMessage().contains("keeps WAL"), failure.getOriginalMessage());
      assertNull(subscription(), "the subscription is gone even though the source was down");
    } finally {
      clusters.home().startServer();
    }
    assertTrue(countOnSource("SELECT count(*) FROM pg_replication_slots") >= 1, "the slot outlived the outage");
    copies.cleanupLogical(request);
    assertNothingLeft();
  }

  @Test
  void keylessTablesBlockUnlessThePlanAllowsAFullIdentity() throws Exception {
    Copy strict = new Copy(Copy.Strategy.LOGICAL, 1, Copy.Owner.TARGET_USER, false);
    LogicalReadiness ready = copies.checkLogical(request("move-g", strict));
    List<LogicalIssue> blocking = blocking(ready);
    assertEquals(1, blocking.size(), ready.toString());
    assertEquals("replica identity", blocking.get(0).check());
    assertTrue(blocking.get(0).problem().contains("public.audit_log"), blocking.toString());
    assertTrue(blocking.get(0).fix().contains("REPLICA IDENTITY FULL"), blocking.toString());

    assertThrows(ApplicationFailure.class, () -> copies.startLogical(request("move-g", strict)));
    assertNothingLeft();
    assertEquals("d", identity(clusters.home(), name, "audit_log"));
  }

  @Test
  void aSourceWithoutLogicalWalIsBlocking() throws Exception {
    LocalCluster old = clusters.start("old", "replica");
    old.createDatabase("game");
    Database oldSource = old.database("game");
    LogicalReadiness ready = copies.checkLogical(
        new LogicalRequest("game", "move-h", "old", oldSource, "arm", clusters.arm().database("game"), LOGICAL));
    assertEquals("replica", ready.walLevel());
    List<LogicalIssue> blocking = blocking(ready);
    assertEquals(1, blocking.size(), ready.toString());
    assertEquals("source wal_level", blocking.get(0).check());
    assertTrue(blocking.get(0).fix().contains("wal_level = logical"), blocking.toString());
  }

  private LogicalRequest request(String moveId, Copy copy) {
    return new LogicalRequest("game", moveId, "home", source, "arm", target, copy);
  }

  private static List<LogicalIssue> blocking(LogicalReadiness ready) {
    return ready.issues().stream().filter(LogicalIssue::blocking).toList();
  }

  private void assertNothingLeft() throws SQLException, InterruptedException {
    // Dropped slots of workers that were just ended can take a moment to disappear from the view.
    long slotsDeadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (countOnSource("SELECT count(*) FROM pg_replication_slots") > 0 && System.nanoTime() < slotsDeadline) {
      Thread.sleep(50);
    }
    assertEquals(0, countOnSource("SELECT count(*) FROM pg_replication_slots"), "no slot on the source");
    assertEquals(0, countOnSource("SELECT count(*) FROM pg_publication"), "no publication on the source");
    // A walsender whose slot is gone exits when its client has; that may take a moment.
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    String walsenders = "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender'";
    while (countOnSource(walsenders) > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, countOnSource(walsenders), "no walsender on the source");
  }

  private long countOnSource(String sql) throws SQLException {
    try (Connection c = clusters.home().connect(name); Statement s = c.createStatement()) {
      return Long.parseLong(text(s, sql));
    }
  }

  private String subscription() throws SQLException {
    try (Connection c = clusters.arm().connect("postgres"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT subname FROM pg_subscription")) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private static String identity(LocalCluster cluster, String db, String table) throws SQLException {
    try (Connection c = cluster.connect(db); Statement s = c.createStatement()) {
      return text(s, "SELECT relreplident::text FROM pg_class WHERE oid = '" + table + "'::regclass");
    }
  }

  private static boolean isFenced(LocalCluster cluster, String db) throws SQLException {
    try (Connection c = cluster.connect(db)) {
      return Fence.isFenced(c);
    }
  }

  private static String text(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
