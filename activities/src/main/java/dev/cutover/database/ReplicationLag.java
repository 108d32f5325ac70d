package dev.cutover.database;

import dev.cutover.database.CopyActivities.LogicalLag;
import dev.cutover.database.CopyActivities.LogicalRequest;
import dev.cutover.database.CopyActivities.LogicalWaitRequest;
import dev.cutover.support.Heartbeats;
import dev.cutover.workflow.CutoverFailure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Where the subscription stands: tables still in their initial copy, bytes and time behind. */
final class ReplicationLag {

  private ReplicationLag() {}

  static LogicalLag lag(LogicalRequest r) {
    String name = ReplicationNames.copy(r.app());
    Map<String, Integer> byState = new TreeMap<>();
    List<String> copying = new ArrayList<>();
    long errors = 0;
    boolean subscribed;
    int tables = 0;
    try (Connection target = Connections.open(r.target())) {
      Long subscription = ReplicationCatalog.findSubscription(target, name);
      subscribed = subscription != null;
      if (subscribed) {
        String sql = "SELECT sr.srsubstate, sr.srrelid::regclass::text FROM pg_subscription_rel sr"
            + " WHERE sr.srsubid = ?::oid ORDER BY 2";
        try (PreparedStatement ps = target.prepareStatement(sql)) {
          ps.setString(1, Long.toString(subscription));
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              tables++;
              String state = state(rs.getString(1));
              byState.merge(state, 1, Integer::sum);
              if (!"ready".equals(state)) {
                copying.add(rs.getString(2));
              }
            }
          }
        }
        errors = Long.parseLong(Jdbc.query(target, "SELECT coalesce(sum(apply_error_count + sync_error_count), 0)"
            + " FROM pg_stat_subscription_stats WHERE subid = ?::oid", Long.toString(subscription)));
      }
    } catch (SQLException e) {
      if (!Jdbc.UNDEFINED_DATABASE.equals(e.getSQLState())) {
        throw CutoverFailure.DATABASE_UNAVAILABLE.failure("reading the subscription on " + r.targetBox() + ": "
            + e.getMessage(), e);
      }
      subscribed = false;
    }
    String sourceLsn = null;
    String confirmed = null;
    Long behind = null;
    Long lagMillis = null;
    try (Connection source = Connections.open(r.source());
        PreparedStatement ps = source.prepareStatement(
            "SELECT pg_current_wal_lsn()::text, s.confirmed_flush_lsn::text,"
                + " pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint,"
                + " (SELECT (extract(epoch FROM max(replay_lag)) * 1000)::bigint FROM pg_stat_replication"
                + "   WHERE application_name = ?)"
                + " FROM (SELECT 1) one LEFT JOIN pg_replication_slots s ON s.slot_name = ?")) {
      ps.setString(1, name);
      ps.setString(2, name);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        sourceLsn = rs.getString(1);
        confirmed = rs.getString(2);
        behind = (Long) rs.getObject(3);
        lagMillis = (Long) rs.getObject(4);
      }
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("reading the slot on " + r.sourceBox() + ": " + e.getMessage(), e);
    }
    boolean done = subscribed && copying.isEmpty();
    return new LogicalLag(subscribed, tables, byState, copying, sourceLsn, confirmed, behind, lagMillis, errors, done);
  }

  static LogicalLag awaitInitialCopy(LogicalWaitRequest w) {
    long deadline = System.nanoTime() + w.timeout().toNanos();
    while (true) {
      LogicalLag lag = lag(w.logical());
      Heartbeats.send(lag);
      if (!lag.subscribed()) {
        throw CutoverFailure.COPY_FAILED.failure("no subscription " + ReplicationNames.copy(w.logical().app()) + " on "
            + w.logical().targetBox() + ": pre-sync did not run or was cleaned up");
      }
      if (lag.initialCopyDone()) {
        return lag;
      }
      if (System.nanoTime() > deadline) {
        throw CutoverFailure.COPY_FAILED.failure("the initial copy did not finish within " + w.timeout()
            + "; still copying " + lag.copying() + ", " + lag.errors() + " errors so far");
      }
      Pause.millis(500);
    }
  }

  private static String state(String code) {
    return switch (code) {
      case "i" -> "init";
      case "d" -> "copying";
      case "f" -> "copied";
      case "s" -> "synced";
      case "r" -> "ready";
      default -> code;
    };
  }
}
