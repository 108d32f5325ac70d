package dev.cutover.database;

import dev.cutover.database.DatabaseActivities.FenceResult;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * The database half of the freeze: new sessions default to read-only, every other session is ended, and
 * the settings the fence replaced are kept on the database itself ({@code cutover.*} settings). Keeping
 * them there, not in the workflow, is what makes fencing twice and unfencing twice harmless.
 */
final class Fence {

  static final String FENCED_BY = "cutover.fenced_by";
  static final String PREVIOUS = "cutover.previous_read_only";
  static final String PREVIOUS_LIMIT = "cutover.previous_connection_limit";
  private static final String READ_ONLY = "default_transaction_read_only";
  private static final String UNSET = "unset";

  private Fence() {}

  static FenceResult fence(Connection c, String app) throws SQLException {
    asMover(c);
    String db = currentDatabase(c);
    Map<String, String> settings = databaseSettings(c);
    boolean already = settings.containsKey(FENCED_BY);
    if (!already) {
      String previous = settings.getOrDefault(READ_ONLY, UNSET);
      try (Statement s = c.createStatement()) {
        s.execute("ALTER DATABASE " + Sql.ident(db) + " SET " + PREVIOUS + " = " + Sql.literal(previous));
        s.execute("ALTER DATABASE " + Sql.ident(db) + " SET " + FENCED_BY + " = " + Sql.literal(app));
        s.execute("ALTER DATABASE " + Sql.ident(db) + " SET " + READ_ONLY + " = on");
        // A session can switch its own read-only default off; a connection limit of 0 it cannot get
        // round. It stops every role but superusers, the database's owner included, so it is only set
        // when the mover is a superuser and can still connect itself.
        if (ServerFacts.isSuperuser(c)) {
          s.execute("ALTER DATABASE " + Sql.ident(db) + " SET " + PREVIOUS_LIMIT + " = "
              + Sql.literal(String.valueOf(connectionLimit(c))));
          s.execute("ALTER DATABASE " + Sql.ident(db) + " CONNECTION LIMIT 0");
        }
      }
    }
    int ended = endOtherSessions(c);
    return new FenceResult(already, ended, walPosition(c), databaseSettings(c).get(PREVIOUS));
  }

  static void unfence(Connection c) throws SQLException {
    asMover(c);
    String db = currentDatabase(c);
    Map<String, String> settings = databaseSettings(c);
    if (!settings.containsKey(FENCED_BY)) {
      return;
    }
    String previous = settings.getOrDefault(PREVIOUS, UNSET);
    try (Statement s = c.createStatement()) {
      if (UNSET.equals(previous)) {
        s.execute("ALTER DATABASE " + Sql.ident(db) + " RESET " + READ_ONLY);
      } else {
        s.execute("ALTER DATABASE " + Sql.ident(db) + " SET " + READ_ONLY + " = " + Sql.literal(previous));
      }
      String limit = settings.get(PREVIOUS_LIMIT);
      if (limit != null) {
        s.execute("ALTER DATABASE " + Sql.ident(db) + " CONNECTION LIMIT " + Integer.parseInt(limit));
        s.execute("ALTER DATABASE " + Sql.ident(db) + " RESET " + PREVIOUS_LIMIT);
      }
      s.execute("ALTER DATABASE " + Sql.ident(db) + " RESET " + PREVIOUS);
      s.execute("ALTER DATABASE " + Sql.ident(db) + " RESET " + FENCED_BY);
    }
    // Sessions opened while fenced carry read-only defaults for their lifetime: end them so the app's
    // next connection writes. The app on a freshly unfenced box has only just been started.
    endOtherSessions(c);
  }

  /** The mover's own session opts out of the fence: it is the one writer left. */
  static void asMover(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SET default_transaction_read_only = off");
    }
  }

  /** The app whose move fenced this database, or null. */
  static String fencedBy(Connection c) throws SQLException {
    return databaseSettings(c).get(FENCED_BY);
  }

  static boolean isFenced(Connection c) throws SQLException {
    return databaseSettings(c).containsKey(FENCED_BY);
  }

  /**
   * Ends every other client session that began before the fence was committed. A backend reads the
   * database's defaults after it forks, so one that forked later already starts read-only and may stay.
   * {@code pg_terminate_backend(pid, timeout)} waits until the session is gone (PostgreSQL 14+).
   */
  private static int endOtherSessions(Connection c) throws SQLException {
    String sql =
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
            + " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            + " AND backend_type = 'client backend' AND backend_start <= clock_timestamp()";
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static int connectionLimit(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT datconnlimit FROM pg_database WHERE datname = current_database()")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  static String walPosition(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
      rs.next();
      return rs.getString(1);
    }
  }

  static String currentDatabase(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT current_database()")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** The database-wide settings ({@code ALTER DATABASE ... SET}) that apply to every role. */
  static Map<String, String> databaseSettings(Connection c) throws SQLException {
    Map<String, String> out = new HashMap<>();
    String sql =
        "SELECT unnest(s.setconfig) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase"
            + " WHERE d.datname = current_database() AND s.setrole = 0";
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        String pair = rs.getString(1);
        int eq = pair.indexOf('=');
        out.put(pair.substring(0, eq), pair.substring(eq + 1));
      }
    }
    return out;
  }
}
