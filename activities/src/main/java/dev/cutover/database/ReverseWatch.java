package dev.cutover.database;

import dev.cutover.database.CopyActivities.ReverseRequest;
import dev.cutover.database.CopyActivities.ReverseState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How the reverse stream stands, read from both boxes, and the fallback's watch slot: a {@code test_decoding}
 * slot read with {@code only-local}, which leaves out every change that carries a replication origin. The
 * stream's apply worker sets its subscription's origin on every transaction it applies, so whatever the watch
 * still decodes was committed on the fallback by someone else: a second writer. The slot is consumed as it is
 * read, so each stray commit is reported once; decoding stops at the flushed WAL, so an asynchronous commit shows
 * up at the next look after the WAL writer flushed it (ReverseStreamTest measured a later look needed). Cutover
 * itself writes no rows there after the switch (its
 * journal and markers are database settings and comments, which are not decoded).
 */
final class ReverseWatch {

  private static final int SAMPLE = 5;

  private ReverseWatch() {}

  /** The watch slot's name on the fallback. */
  static String slot(String app) {
    return ReplicationNames.copy(app + "-fallback-watch");
  }

  static void create(Connection fallback, String app) throws SQLException {
    drop(fallback, app);
    Jdbc.query(fallback, "SELECT lsn::text FROM pg_create_logical_replication_slot(?, 'test_decoding')", slot(app));
  }

  static void drop(Connection fallback, String app) throws SQLException {
    Jdbc.query(fallback, "SELECT pg_drop_replication_slot(slot_name)::text FROM pg_replication_slots"
        + " WHERE slot_name = ?", slot(app));
  }

  static ReverseState state(ReverseRequest r) {
    String name = ReplicationNames.copy(r.app());
    boolean subscribed;
    String broken = null;
    String lastApplied = null;
    long errors = 0;
    List<String> stray = new ArrayList<>();
    long strayCount = 0;
    try (Connection fallback = Connections.open(r.fallback())) {
      Fence.asMover(fallback);
      try (PreparedStatement ps = fallback.prepareStatement("SELECT s.subenabled, st.pid, st.latest_end_time::text,"
          + " coalesce(ss.apply_error_count + ss.sync_error_count, 0) FROM pg_subscription s"
          + " LEFT JOIN pg_stat_subscription st ON st.subid = s.oid AND st.relid IS NULL"
          + " LEFT JOIN pg_stat_subscription_stats ss ON ss.subid = s.oid"
          + " WHERE s.subname = ? AND s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          subscribed = rs.next();
          if (subscribed) {
            lastApplied = rs.getString(3);
            errors = rs.getLong(4);
            if (!rs.getBoolean(1)) {
              broken = "the subscription " + name + " on " + r.fallbackBox() + " is disabled";
            } else if (rs.getObject(2) == null && errors > 0) {
              broken = "its apply worker on " + r.fallbackBox() + " is not running after " + errors + " error(s)";
            }
          } else {
            broken = "no subscription " + name + " on " + r.fallbackBox();
          }
        }
      }
      if (ReplicationCatalog.slotExists(fallback, slot(r.app()))) {
        strayCount = readStray(fallback, slot(r.app()), stray);
      }
    } catch (SQLException e) {
      return new ReverseState(true, "cannot reach " + r.fallbackBox() + ": " + e.getMessage(), null, null, null, 0, 0,
          List.of());
    }
    Long behind = null;
    Long lagMillis = null;
    try (Connection live = Connections.open(r.live())) {
      Map<String, String> published = Markers.fields(ReplicationCatalog.publicationComment(live, name));
      try (PreparedStatement ps = live.prepareStatement("SELECT wal_status,"
          + " pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM pg_replication_slots"
          + " WHERE slot_name = ?")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            broken = broken != null ? broken : "its slot " + name + " is gone from " + r.liveBox();
          } else {
            behind = (Long) rs.getObject(2);
            if ("lost".equals(rs.getString(1))) {
              broken = broken != null ? broken : "its slot on " + r.liveBox() + " lost WAL the fallback had not applied"
                  + " (max_slot_wal_keep_size)";
            }
          }
        }
      }
      if (!"reverse".equals(published.get("kept"))) {
        broken = broken != null ? broken : "no publication " + name + " kept for it on " + r.liveBox();
      }
      String lag = Jdbc.query(live, "SELECT (extract(epoch FROM replay_lag) * 1000)::bigint::text FROM pg_stat_replication"
          + " WHERE application_name = ?", name);
      lagMillis = lag == null ? null : Long.parseLong(lag);
    } catch (SQLException e) {
      broken = broken != null ? broken : "cannot reach " + r.liveBox() + ": " + e.getMessage();
    }
    return new ReverseState(subscribed, broken, behind, lagMillis, lastApplied, errors, strayCount, stray);
  }

  /**
   * Consumes the watch slot; returns how many commits it held that touched a table, keeping a few as
   * "xid 812: INSERT public.accounts". test_decoding writes one row per change: "BEGIN 812",
   * "table public.accounts: INSERT: id[integer]:1 ...", "COMMIT 812".
   */
  private static long readStray(Connection fallback, String slot, List<String> sample) throws SQLException {
    long commits = 0;
    String xid = null;
    Set<String> changes = new LinkedHashSet<>();
    try (PreparedStatement ps = fallback.prepareStatement("SELECT data FROM pg_logical_slot_get_changes(?, NULL, NULL,"
        + " 'only-local', '1', 'skip-empty-xacts', '1', 'include-xids', '1')")) {
      ps.setString(1, slot);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String line = rs.getString(1);
          if (line.startsWith("BEGIN")) {
            xid = line.substring("BEGIN".length()).strip();
            changes.clear();
          } else if (line.startsWith("table ")) {
            int colon = line.indexOf(": ");
            int next = colon < 0 ? -1 : line.indexOf(':', colon + 2);
            if (colon > 0 && next > colon) {
              changes.add(line.substring(colon + 2, next) + " " + line.substring("table ".length(), colon));
            }
          } else if (line.startsWith("COMMIT") && !changes.isEmpty()) {
            commits++;
            if (sample.size() < SAMPLE) {
              sample.add("xid " + xid + ": " + String.join(", ", changes));
            }
          }
        }
      }
    }
    return commits;
  }
}
