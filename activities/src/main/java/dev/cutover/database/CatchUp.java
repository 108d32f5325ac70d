package dev.cutover.database;

import dev.cutover.database.CopyActivities.CopyRequest;
import dev.cutover.database.CopyActivities.LogicalCaughtUp;
import dev.cutover.database.CopyActivities.LogicalRequest;
import dev.cutover.database.CopyActivities.LogicalWaitRequest;
import dev.cutover.support.Heartbeats;
import dev.cutover.workflow.CutoverFailure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code logical} copy inside the blackout: with the source fenced, waits until the target applied
 * everything up to the source's WAL position, copies what logical replication does not carry (sequence
 * values, large objects, unlogged tables and tables made after the publication, materialized views' rows),
 * drops the subscription and the source's side, gives the target the source's replica identities, and
 * fences the target.
 */
final class CatchUp {

  private static final Logger log = LoggerFactory.getLogger(CatchUp.class);
  /** The marker field a target carries once it has applied the fence position: catch-up's proof of done. */
  private static final String CAUGHT_UP = "logical";
  /** In the marker: target oids of the tables copied whole at the catch-up, for a rerun to copy again. */
  private static final String WHOLE = "whole";
  /**
   * How often a catch-up still behind makes both sides speak (see {@link #waitForSlot}): the first time
   * at once, on the first look that finds it behind, then at this interval.
   */
  private static final long NUDGE_MILLIS = 25;

  private CatchUp() {}

  static LogicalCaughtUp run(LogicalWaitRequest w) {
    LogicalRequest r = w.logical();
    long started = System.nanoTime();
    String name = ReplicationNames.copy(r.app());
    String fenceLsn;
    long waitMillis = 0;
    long checksMillis = 0;
    long dropMillis = 0;
    boolean alreadyDone;
    try (Connection source = Connections.open(r.source()); Connection target = Connections.open(r.target())) {
      Fence.asMover(source);
      Fence.asMover(target);
      if (!Fence.isFenced(source)) {
        // Without the fence, the source could take a write after the position waited for.
        throw CutoverFailure.NOT_QUIESCENT.failure("the source " + r.sourceBox() + " is not fenced: fence it first");
      }
      String targetDb = Fence.currentDatabase(target);
      Map<String, String> marker = Markers.fields(TargetDatabases.marker(target, targetDb));
      if (!r.app().equals(marker.get("app")) || !r.moveId().equals(marker.get("move"))) {
        throw CutoverFailure.TARGET_NOT_OURS.failure("the target " + targetDb + " was not made by this move");
      }
      Long subscription = ReplicationCatalog.findSubscription(target, name);
      alreadyDone = subscription == null && marker.containsKey(CAUGHT_UP);
      if (subscription == null && !alreadyDone) {
        throw CutoverFailure.COPY_FAILED.failure("no subscription " + name + " on " + r.targetBox()
            + " and no finished catch-up: pre-sync did not run or was cleaned up");
      }
      List<String> whole;
      if (alreadyDone) {
        fenceLsn = marker.get(CAUGHT_UP);
        whole = Unreplicated.names(target, ReplicationCatalog.oids(marker.get(WHOLE)));
      } else {
        // The end of what the target must apply, marked first: the target applies up to it while the checks
        // below read both catalogs (they took 64-147 ms of the freeze before the wait began). The source is
        // fenced, so nothing it commits later can come before the mark.
        fenceLsn = fencePosition(source);
        // Tables made on the source after the publication: the subscription never learnt of them, and DDL
        // does not replicate. Their definitions come now, their rows below, both inside the freeze.
        Map<Long, String> added = Unreplicated.missingOnTarget(source, target);
        if (!added.isEmpty()) {
          log.info("tables created on {} after the publication, copied whole in the freeze: {}", r.sourceBox(),
              added.values());
          DumpRestore.tablesSchema(new CopyRequest(r.app(), r.moveId(), r.sourceBox(), r.source(), r.targetBox(),
              r.target(), r.copy()), source.getMetaData().getDatabaseMajorVersion(),
              target.getMetaData().getDatabaseMajorVersion(), List.copyOf(added.values()), p -> { });
        }
        // Whatever the subscription does not carry (those, and unlogged tables, which cannot be published),
        // read from the target's catalog: a rerun after a crash right after the restore above finds them too.
        Map<Long, String> unsubscribed = Unreplicated.notSubscribed(target, subscription);
        whole = List.copyOf(unsubscribed.values());
        String wholeOids = String.join(",", unsubscribed.keySet().stream().map(String::valueOf).toList());
        List<String> ddl = schemaDifferences(source, target);
        if (!ddl.isEmpty()) {
          throw CutoverFailure.COPY_FAILED.failure("the schema changed on the source during pre-sync, which"
              + " logical replication does not carry: " + ddl + "; abort and start the move again");
        }
        checksMillis = (System.nanoTime() - started) / 1_000_000;
        long waitStarted = System.nanoTime();
        waitForSlot(source, target, r, name, fenceLsn, w.timeout());
        waitMillis = (System.nanoTime() - waitStarted) / 1_000_000;
        // Written before anything is dropped: a rerun then knows the wait already succeeded.
        TargetDatabases.comment(target, targetDb, Markers.of(r.app(), r.moveId(), Markers.COPIED) + ";" + CAUGHT_UP
            + "=" + fenceLsn + ";" + WHOLE + "=" + wholeOids);
        long dropStarted = System.nanoTime();
        ReplicationCleanup.dropSubscription(target, name);
        dropMillis = (System.nanoTime() - dropStarted) / 1_000_000;
      }
      int sequences = Sequences.copy(source, target);
      long largeObjects = LargeObjects.copy(source, target, r.copy().owner() == dev.cutover.plan.Copy.Owner.KEEP);
      long wholeBytes = Unreplicated.copy(source, target, whole);
      int views = MaterializedViews.copy(source, target);
      // The subscription is dropped (above, or by the attempt that wrote the marker): no worker of it is left.
      ReplicationCleanup.dropSourceSide(source, name, true);
      ReplicationCatalog.matchIdentities(source, target);
      Fence.fence(target, r.app());
      long total = (System.nanoTime() - started) / 1_000_000;
      log.info("caught up {} at {}: checks {} ms, waited {} ms, subscription dropped in {} ms, {} sequences, {} large"
          + " objects, {} materialized views refreshed, {} tables replication does not carry copied whole ({} bytes: {}), {} ms in all", r.app(), fenceLsn,
          checksMillis, waitMillis, dropMillis, sequences, largeObjects, views, whole.size(), wholeBytes, whole, total);
      return new LogicalCaughtUp(alreadyDone, fenceLsn, sequences, largeObjects, waitMillis, total);
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("catching up " + r.targetBox() + ": " + e.getMessage(), e);
    }
  }

  /**
   * A transactional message, committed with a WAL flush, marks the end of what the target must apply:
   * every commit of the app came before the fence, hence before it. The flush matters because the
   * walsender only sends flushed WAL, and with asynchronous commit the tail could wait for the WAL writer.
   */
  private static String fencePosition(Connection source) throws SQLException {
    try (Statement s = source.createStatement()) {
      s.execute("SET synchronous_commit = on");
      try (ResultSet rs = s.executeQuery("SELECT pg_logical_emit_message(true, 'cutover', 'fence')::text")) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  /**
   * The slot's confirmed position is what the target reported flushed, so reaching the fence position
   * there means every earlier commit is applied on the target. Polled tightly: this is blackout time.
   *
   * <p>Left alone, the target reports late: its apply worker commits without waiting for the disk (the
   * subscription's {@code synchronous_commit = off}), and answers the source's ping with the position its
   * disk holds, then sleeps up to a second before it reports again.
   * So while behind, every {@link #NUDGE_MILLIS} the wait makes the target flush (a commit of ours, which
   * flushes everything applied before it) and the source send a fresh ping (a message in its WAL), and the
   * next answer carries the fence position. What is waited for does not change. Nudged, the catch-up
   * step took 506-531 ms at S under 200 writes/s, against 711-908 ms without, in the same hour (bench).
   */
  private static void waitForSlot(Connection source, Connection target, LogicalRequest r, String name, String lsn,
      Duration timeout) throws SQLException {
    Long behind = untilConfirmed(source, target, name, lsn, timeout, bytes -> Heartbeats.send(Map.of(
        "phase", "catch-up", "fenceLsn", lsn, "bytesBehind", bytes == null ? -1 : bytes)));
    if (behind == null) {
      throw CutoverFailure.COPY_FAILED.failure("the replication slot " + name + " is gone from " + r.sourceBox());
    }
    if (behind != 0) {
      throw CutoverFailure.COPY_FAILED.failure("the target did not apply up to " + lsn + " within " + timeout
          + " (" + (behind < 0 ? "the target confirmed no position yet" : behind + " bytes behind") + ")");
    }
  }

  /**
   * Before the freeze, with the app still writing: waits up to {@code within} for the target to apply
   * everything the source committed until now, so a re-baseline pass compares two snapshots of nearly one
   * moment, and the target's apply lag lands in that pass's log read rather than in the freeze's. Only
   * time depends on it: a target still behind at the deadline is compared as it is. Returns the bytes still
   * behind (0 when caught up), or null when the source has no such slot (no subscription to wait for).
   */
  static Long awaitApplied(Connection source, Connection target, String slot, Duration within) throws SQLException {
    if (!Jdbc.exists(source, "SELECT 1 FROM pg_replication_slots WHERE slot_name = ?", slot)) {
      return null;
    }
    return untilConfirmed(source, target, slot, fencePosition(source), within, bytes -> { });
  }

  /**
   * Bytes the slot is still short of {@code lsn} once {@code timeout} passed (-1 when the target confirmed no
   * position yet), 0 when it reached it, null when the slot is gone.
   */
  private static Long untilConfirmed(Connection source, Connection target, String slot, String lsn, Duration timeout,
      Consumer<Long> beat) throws SQLException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long lastBeat = 0;
    long lastNudge = 0;
    String sql = "SELECT pg_wal_lsn_diff(?::pg_lsn, confirmed_flush_lsn)::bigint FROM pg_replication_slots"
        + " WHERE slot_name = ?";
    for (Connection side : List.of(source, target)) {
      try (Statement s = side.createStatement()) {
        s.execute("SET synchronous_commit = on"); // each nudge is flushed when it commits
      }
    }
    try (PreparedStatement ps = source.prepareStatement(sql)) {
      ps.setString(1, lsn);
      ps.setString(2, slot);
      while (true) {
        Long behind;
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            return null;
          }
          behind = (Long) rs.getObject(1);
        }
        if (behind != null && behind <= 0) {
          return 0L;
        }
        if (System.nanoTime() - lastBeat > 1_000_000_000L) {
          beat.accept(behind);
          lastBeat = System.nanoTime();
        }
        if (System.nanoTime() > deadline) {
          return behind == null ? Long.valueOf(-1) : behind;
        }
        if (lastNudge == 0 || System.nanoTime() - lastNudge > NUDGE_MILLIS * 1_000_000L) {
          nudge(target, "flush");
          nudge(source, "ping");
          lastNudge = System.nanoTime();
        }
        Pause.millis(10);
      }
    }
  }

  /** A message in the database's WAL, committed (and flushed, see above): nothing any table or subscriber applies. */
  private static void nudge(Connection c, String what) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SELECT pg_logical_emit_message(true, 'cutover', " + Sql.literal(what) + ")");
    }
  }

  /**
   * DDL is not replicated: a table or column added on the source during pre-sync stops the subscription
   * or goes missing on the target. Compares tables, sequences and columns (by name and type) on both
   * sides and names up to ten differences.
   */
  private static List<String> schemaDifferences(Connection source, Connection target) throws SQLException {
    Set<String> left = schemaLines(source);
    Set<String> right = schemaLines(target);
    List<String> out = new ArrayList<>();
    for (String line : left) {
      if (!right.contains(line) && out.size() < 10) {
        out.add("only on the source: " + line);
      }
    }
    for (String line : right) {
      if (!left.contains(line) && out.size() < 10) {
        out.add("only on the target: " + line);
      }
    }
    return out;
  }

  private static Set<String> schemaLines(Connection c) throws SQLException {
    String sql = "SELECT format('%I.%I', n.nspname, c.relname) || ' ' || c.relkind::text"
        + " || coalesce(' ' || quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)"
        + "   || CASE WHEN a.attgenerated <> '' THEN ' generated' ELSE '' END, '')"
        + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        + " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        + "   AND c.relkind IN ('r', 'p')"
        + " WHERE c.relkind IN ('r', 'p', 'S') AND " + Catalog.userSchema("n.nspname");
    Set<String> out = new TreeSet<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
