package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.verify.FingerprintActivities.BaselineKeys;
import dev.cutover.verify.FingerprintActivities.BaselineNarrowRequest;
import dev.cutover.verify.FingerprintActivities.ChangeLogAdvance;
import dev.cutover.verify.FingerprintActivities.ChangeLogRequest;
import dev.cutover.verify.FingerprintActivities.ChangeLogStarted;
import dev.cutover.verify.FingerprintActivities.ChangesRequest;
import dev.cutover.verify.FingerprintActivities.ChangesVerified;
import dev.cutover.database.DatabaseActivities.FenceRequest;
import dev.cutover.verify.FingerprintActivities.FingerprintRequest;
import dev.cutover.verify.FingerprintActivities.RebaselineRequest;
import dev.cutover.verify.FingerprintActivities.Rebaselined;
import dev.cutover.database.CopyActivities.LogicalRequest;
import dev.cutover.database.CopyActivities.LogicalWaitRequest;
import dev.cutover.verify.FingerprintActivities.TableRecheck;
import dev.cutover.plan.Copy;
import dev.cutover.plan.Database;
import dev.cutover.plan.Verify;
import dev.cutover.testing.LiveWriter;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.LogicalGame;
import dev.cutover.testing.PostgresClusters;
import dev.cutover.verify.Comparisons;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.KeyRange;
import dev.cutover.verify.Rechecks;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Verify before the freeze on two real clusters with an app writing to the source: the re-check at the
 * freeze reads a fraction of the rows, agrees when the copy is right, and catches every way a target can
 * drift from the source that the baseline could hide.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class RecheckTest {

  @RegisterExtension static final PostgresClusters clusters = new PostgresClusters();

  private static final Duration WAIT = Duration.ofMinutes(2);
  private static final Copy LOGICAL = new Copy(Copy.Strategy.LOGICAL, 1, Copy.Owner.TARGET_USER, true);

  private static int run;
  private final DatabaseActivitiesImpl activities = new DatabaseActivitiesImpl();
  private final CopyActivitiesImpl copies = new CopyActivitiesImpl();
  /** Small chunks, so one changed row leaves most of a table's chunks equal. */
  private final FingerprintActivitiesImpl fingerprints = new FingerprintActivitiesImpl(new Fingerprinter.Options(500));
  private String name;
  private Database source;
  private Database target;

  @BeforeEach
  void presync() throws Exception {
    name = "game" + ++run;
    source = clusters.home().createDatabase(name, c -> LogicalGame.create(c, 30_000, 64));
    target = clusters.arm().database(name);
    copies.startLogical(logical());
    assertTrue(copies.awaitInitialCopy(new LogicalWaitRequest(logical(), WAIT)).initialCopyDone());
  }

  @Test
  void underLoadTheFreezeReReadsOnlyWhatChangedAndFindsTheSidesEqual() throws Exception {
    Baseline baseline;
    try (LiveWriter writer = LiveWriter.start(clusters.home(), name)) {
      assertTrue(writer.awaitMore(50, WAIT), "the app writes before the baseline");
      baseline = baseline();
      assertTrue(writer.awaitMore(300, WAIT), "the app keeps writing after the baseline");
      activities.fence(new FenceRequest("game", "home", source));
      assertTrue(writer.awaitEnd(WAIT), "the fence ended the app's session");
    }
    copies.catchUp(new LogicalWaitRequest(logical(), WAIT));

    ChangesVerified verified = recheck(baseline);
    Map<String, TableRecheck> tables = byTable(verified);
    assertTrue(tables.values().stream().allMatch(TableRecheck::matches), verified.toString());
    assertTrue(verified.changes() >= 300, "the writer's changes were read from the logs: " + verified.changes());

    TableRecheck players = tables.get("game.players");
    assertFalse(players.whole(), players.toString());
    assertTrue(players.changedKeys() >= 10, players.toString());
    long playersNow = count(clusters.home(), "SELECT count(*) FROM game.players");
    assertTrue(players.sourceRows() > 0 && players.sourceRows() * 4 < playersNow,
        "re-read " + players.sourceRows() + " of " + playersNow + " rows");
    assertEquals(players.sourceRows(), players.targetRows());
    assertEquals("no primary key", tables.get("public.audit_log").why(), "a keyless table is re-read whole");
    assertTrue(tables.get("public.audit_log").whole());

    // The re-check agrees with what a whole fingerprint of both sides says.
    assertTrue(Comparisons.allMatch(Comparisons.compare(
        fingerprints.fingerprint(new FingerprintRequest("home", source, Verify.ALL)),
        fingerprints.fingerprint(new FingerprintRequest("arm", target, Verify.ALL)))));

    dropLogs();
    assertEquals(0, count(clusters.home(), "SELECT count(*) FROM pg_replication_slots"), "no slot left on the source");
    assertEquals(0, count(clusters.arm(), "SELECT count(*) FROM pg_replication_slots"), "no slot left on the target");
    assertEquals(0, count(clusters.arm(), "SELECT count(*) FROM pg_publication"), "no publication left on the target");
  }

  @Test
  void everyWayTheTargetDriftsIsCaught() throws Exception {
    // Before the baseline: the baselines' chunks differ there, so the range is re-read.
    onTarget("UPDATE game.players SET points = -1 WHERE id = 25000");
    Baseline baseline = baseline();
    // After the baseline, while replication runs: only the target's change log knows.
    onTarget("DELETE FROM \"Odd Schema\".\"Tickets\" WHERE n = (SELECT min(n) FROM \"Odd Schema\".\"Tickets\")");
    // The keyless table's three equal rows: one changed, so the row count stays and only the contents say.
    onTarget("ALTER TABLE public.audit_log REPLICA IDENTITY FULL");
    onTarget("UPDATE public.audit_log SET note = 'other' WHERE ctid = (SELECT min(ctid) FROM public.audit_log)");
    activities.fence(new FenceRequest("game", "home", source));
    copies.catchUp(new LogicalWaitRequest(logical(), WAIT));
    // After the catch-up, a change that writes no row changes to the WAL: a column added with a default.
    onTarget("ALTER TABLE public.avatars ADD COLUMN frame int DEFAULT 7");

    ChangesVerified byRanges = recheckRanges(baseline);
    assertEquals(Set.of("Odd Schema.Tickets", "game.players", "public.audit_log", "public.avatars"),
        differing(byRanges), byRanges.toString());
    TableRecheck audit = byTable(byRanges).get("public.audit_log");
    assertEquals(3, audit.sourceRows(), audit.toString());
    assertEquals(3, audit.targetRows(), audit.toString());
    assertTrue(byTable(byRanges).get("public.avatars").why().contains("columns changed on the target"),
        byTable(byRanges).get("public.avatars").toString());
    assertEquals(1, byTable(byRanges).get("game.players").ranges(), "found through the baselines' differing range");

    // Narrowed before the freeze, the range becomes the one key that differed in it, and is still caught.
    ChangesVerified byKeys = recheck(baseline);
    assertEquals(Set.of("Odd Schema.Tickets", "game.players", "public.audit_log", "public.avatars"),
        differing(byKeys), byKeys.toString());
    TableRecheck players = byTable(byKeys).get("game.players");
    assertEquals(0, players.ranges(), players.toString());
    assertEquals(1, players.sourceRows(), "only key 25000 is re-read: " + players);
    dropLogs();
  }

  private double perCommit;
  private long afterLast;

  @Test
  void passesBeforeTheFreezeLeaveItOnlyTheLastChangesAndTheSidesStillMatch() throws Exception {
    Baseline baseline;
    Rebaselined last;
    ChangesVerified verified;
    try (LiveWriter writer = LiveWriter.start(clusters.home(), name)) {
      assertTrue(writer.awaitMore(50, WAIT), "the app writes before the baseline");
      baseline = baseline();
      long atBaseline = writer.commits();
      assertTrue(writer.awaitMore(300, WAIT), "the app keeps writing after the baseline");
      Rebaselined first = pass(narrowed(baseline), Map.of());
      perCommit = (double) first.changes() / (writer.commits() - atBaseline);
      assertNull(first.unusable(), first.toString());
      assertTrue(first.changes() >= 300, "the first pass reads everything since the baselines: " + first);
      advance(first);
      assertTrue(writer.awaitMore(20, WAIT), "the app writes after the first pass");
      // Counted from the last pass's start: what commits while it reads and compares is the freeze's to read.
      afterLast = writer.commits();
      last = pass(first.keys(), first.whole());
      advance(last);
      assertTrue(writer.awaitMore(20, WAIT), "the app writes after the last pass");
      activities.fence(new FenceRequest("game", "home", source));
      assertTrue(writer.awaitEnd(WAIT), "the fence ended the app's session");
      afterLast = writer.commits() - afterLast;
    }
    copies.catchUp(new LogicalWaitRequest(logical(), WAIT));
    verified = recheckAfter(baseline, last);

    assertTrue(verified.tables().stream().allMatch(TableRecheck::matches), verified.toString());
    assertTrue(verified.changes() >= 20, "the changes after the last pass are read: " + verified.changes());
    // Both logs see each commit: at most twice the changes of the commits after the last pass, and some slack
    // for the ones in flight while it read.
    assertTrue(verified.changes() <= 2 * perCommit * (afterLast + 20),
        "only what came after the last pass began: " + verified.changes() + " changes for " + afterLast + " commits ("
            + perCommit + " changes a commit); the passes said " + passLines);
    // The re-check agrees with what a whole fingerprint of both sides says.
    assertTrue(Comparisons.allMatch(Comparisons.compare(
        fingerprints.fingerprint(new FingerprintRequest("home", source, Verify.ALL)),
        fingerprints.fingerprint(new FingerprintRequest("arm", target, Verify.ALL)))));
    dropLogs();
  }

  /**
   * The race a pass must not lose: a change that commits after the pass's snapshot but before it reads the
   * log. Its rows look equal in the snapshots and the log moves on past it, so only carrying its key (its
   * transaction is not in the snapshot) lets the freeze see it. A change after the pass is read from the log.
   */
  @Test
  void aChangeCommittedBetweenAPassesSnapshotAndItsLogReadIsCarriedToTheFreeze() throws Exception {
    Baseline baseline = baseline();
    Rebaselined pass;
    try (Connection racing = clusters.arm().connect(name); Statement s = racing.createStatement()) {
      Fence.asMover(racing);
      // The test clusters commit asynchronously: flushed at its commit, the racing change is surely in the
      // pass's log read (unflushed, it would come after the read and the freeze would read it anyway).
      s.execute("SET synchronous_commit = on");
      racing.setAutoCommit(false);
      assertEquals(1, s.executeUpdate("UPDATE game.players SET points = -7 WHERE id = 5"));
      RebaselineRequest request = new RebaselineRequest("game", "home", source, "arm", target, Verify.ALL,
          narrowed(baseline), 10_000);
      pass = Rebaseline.pass(request, line -> { }, racing::commit);
    }
    assertNull(pass.unusable(), pass.toString());
    assertTrue(pass.keys().getOrDefault("game.players", List.of()).contains(List.of("5")),
        "the racing change's key is carried: " + pass);
    advance(pass);
    onTarget("UPDATE game.players SET points = -8 WHERE id = 6");
    activities.fence(new FenceRequest("game", "home", source));
    copies.catchUp(new LogicalWaitRequest(logical(), WAIT));

    ChangesVerified verified = recheckAfter(baseline, pass);
    assertEquals(Set.of("game.players"), differing(verified), verified.toString());
    TableRecheck players = byTable(verified).get("game.players");
    assertEquals(2, players.sourceRows(), "keys 5 (carried) and 6 (read after the pass): " + players);
    assertTrue(verified.changes() < 10, "the log moved on past the racing change: " + verified);
    dropLogs();
  }

  @Test
  void aTargetThatCannotRecordSaysWhyAndChangesNothing() throws Exception {
    LocalCluster plain = clusters.start("plain", "replica");
    plain.createDatabase("app");
    ChangeLogStarted started = fingerprints.startChangeLog(
        new ChangeLogRequest("game", "target", "plain", plain.database("app")));
    assertFalse(started.recording());
    assertEquals("wal_level is replica, not logical", started.reason());
    assertNull(started.startLsn());
    assertEquals(0, count(plain, "SELECT count(*) FROM pg_publication", "app"));

    // Preflight says so before the move starts, without blocking it.
    var issues = copies.checkLogical(new LogicalRequest("game", "m", "home", source, "plain", plain.database("app"), LOGICAL))
        .issues().stream().filter(i -> i.check().equals("target wal_level")).toList();
    assertEquals(1, issues.size(), issues.toString());
    assertFalse(issues.get(0).blocking());
    assertTrue(issues.get(0).problem().contains("the freeze fingerprints every row"), issues.toString());
  }

  // ---------------------------------------------------------------------------------------------

  private record Baseline(ChangeLogStarted source, ChangeLogStarted target, DatabaseFingerprint sourceFingerprint,
      DatabaseFingerprint targetFingerprint) {}

  private Baseline baseline() {
    ChangeLogStarted s = fingerprints.startChangeLog(new ChangeLogRequest("game", "source", "home", source));
    ChangeLogStarted t = fingerprints.startChangeLog(new ChangeLogRequest("game", "target", "arm", target));
    assertTrue(s.recording() && t.recording(), s + " / " + t);
    return new Baseline(s, t, fingerprints.fingerprint(new FingerprintRequest("home", source, Verify.ALL)),
        fingerprints.fingerprint(new FingerprintRequest("arm", target, Verify.ALL)));
  }

  /** The re-check as the workflow runs it: the baselines' differing ranges first narrowed to keys. */
  private ChangesVerified recheck(Baseline b) {
    Rechecks.Plan plan = Rechecks.plan(b.sourceFingerprint(), b.targetFingerprint());
    BaselineKeys narrowed = fingerprints.narrowBaselines(
        new BaselineNarrowRequest("home", source, "arm", target, plan.ranges(), 10_000));
    Map<String, List<KeyRange>> ranges = new TreeMap<>(plan.ranges());
    ranges.keySet().retainAll(narrowed.unresolved());
    return fingerprints.verifyChanges(new ChangesRequest("game", "home", source, "arm", target, Verify.ALL,
        b.source().layouts(), b.target().layouts(), ranges, plan.whole(), narrowed.keys()));
  }

  /** The baselines' differing ranges narrowed to keys, as the workflow does before its first pass. */
  private Map<String, List<List<String>>> narrowed(Baseline b) {
    Rechecks.Plan plan = Rechecks.plan(b.sourceFingerprint(), b.targetFingerprint());
    return fingerprints.narrowBaselines(new BaselineNarrowRequest("home", source, "arm", target, plan.ranges(), 10_000))
        .keys();
  }

  private Map<String, String> wholeSoFar = Map.of();
  /** What the passes said, for a failing assertion's message. */
  private final List<String> passLines = new ArrayList<>();

  private Rebaselined pass(Map<String, List<List<String>>> keys, Map<String, String> whole) {
    Rebaselined r;
    try {
      r = Rebaseline.pass(new RebaselineRequest("game", "home", source, "arm", target, Verify.ALL, keys, 10_000),
          passLines::add);
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
    Map<String, String> all = new TreeMap<>(whole);
    all.putAll(r.whole());
    wholeSoFar = all;
    return r;
  }

  private void advance(Rebaselined r) {
    if (r.sourceLsn() != null) {
      fingerprints.advanceChangeLog(new ChangeLogAdvance("game", "source", "home", source, r.sourceLsn()));
      // Run again (a retried step), it changes nothing.
      fingerprints.advanceChangeLog(new ChangeLogAdvance("game", "source", "home", source, r.sourceLsn()));
    }
    if (r.targetLsn() != null) {
      fingerprints.advanceChangeLog(new ChangeLogAdvance("game", "target", "arm", target, r.targetLsn()));
    }
  }

  /** The freeze's re-check after passes: their keys instead of narrowing's, the whole tables they found. */
  private ChangesVerified recheckAfter(Baseline b, Rebaselined last) {
    Rechecks.Plan plan = Rechecks.plan(b.sourceFingerprint(), b.targetFingerprint());
    return fingerprints.verifyChanges(new ChangesRequest("game", "home", source, "arm", target, Verify.ALL,
        b.source().layouts(), b.target().layouts(), Map.of(), plan.whole(), last.keys(), false, false, wholeSoFar));
  }

  /** Without narrowing: the differing ranges themselves are re-read in the freeze. */
  private ChangesVerified recheckRanges(Baseline b) {
    Rechecks.Plan plan = Rechecks.plan(b.sourceFingerprint(), b.targetFingerprint());
    return fingerprints.verifyChanges(new ChangesRequest("game", "home", source, "arm", target, Verify.ALL,
        b.source().layouts(), b.target().layouts(), plan.ranges(), plan.whole(), Map.of()));
  }

  private void dropLogs() {
    fingerprints.dropChangeLog(new ChangeLogRequest("game", "source", "home", source));
    fingerprints.dropChangeLog(new ChangeLogRequest("game", "target", "arm", target));
    copies.cleanupLogical(logical());
  }

  private static Set<String> differing(ChangesVerified verified) {
    return verified.tables().stream().filter(t -> !t.matches()).map(TableRecheck::table)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Map<String, TableRecheck> byTable(ChangesVerified verified) {
    return verified.tables().stream().collect(Collectors.toMap(TableRecheck::table, Function.identity()));
  }

  private void onTarget(String sql) throws SQLException {
    try (Connection c = clusters.arm().connect(name); Statement s = c.createStatement()) {
      Fence.asMover(c);
      assertEquals(sql.startsWith("ALTER") ? 0 : 1, s.executeUpdate(sql), sql);
    }
  }

  private LogicalRequest logical() {
    return new LogicalRequest("game", "move-" + run, "home", source, "arm", target, LOGICAL);
  }

  private long count(LocalCluster cluster, String sql) throws SQLException {
    return count(cluster, sql, name);
  }

  private static long count(LocalCluster cluster, String sql, String database) throws SQLException {
    try (Connection c = cluster.connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
