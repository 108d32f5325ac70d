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
 * them there, not in the workflow, is what makes fencing twice and unfencing twice harmless. The
 * settings change in one transaction (ALTER DATABASE ... SET is transactional), so a crash leaves a
 * database either fenced or not, never labelled fenced while it accepts writes.
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
    boolean superuser = ServerFacts.isSuperuser(c);
    // A fence is never trusted by its label: whatever the settings say, read-only (and, for a superuser
    // mover, the connection limit) must really be in force, or it is applied again.
    if (!already || !inForce(c, settings, superuser)) {
      inOneTransaction(c, s -> {
        if (!already) {
          s.execute(set(db, PREVIOUS, settings.getOrDefault(READ_ONLY, UNSET)));
          s.execute(set(db, FENCED_BY, app));
        }
        s.execute("ALTER DATABASE " + Sql.ident(db) + " SET " + READ_ONLY + " = on");
        // A session can switch its own read-only default off; a connection limit of 0 it cannot get
        // round. It stops every role but superusers, the database's owner included, so it is only set
        // when the mover is a superuser and can still connect itself.
        if (superuser && !settings.containsKey(PREVIOUS_LIMIT)) {
          s.execute(set(db, PREVIOUS_LIMIT, String.valueOf(connectionLimit(c))));
        }
        if (superuser) {
          s.execute("ALTER DATABASE " + Sql.ident(db) + " CONNECTION LIMIT 0");
        }
      });
    }
    int ended = endOtherSessions(c);
    return new FenceResult(already, ended, walPosition(c), databaseSettings(c).get(PREVIOUS));
  }

  /**
   * Fences a database the mover has just created (the target, before its rename into place): read-only
   * for every session but the mover's from its first moment, so nothing but the copy writes to it.
   * No connection limit: nothing is connected yet, and the copy's tools must be able to connect.
   */
  static void fenceNew(Connection maintenance, String db, String app) throws SQLException {
    inOneTransaction(maintenance, s -> fenceStatements(s, db, app));
  }

  /** Read-only by default, labelled, with nothing to restore but the default: a database nobody served from. */
  static void fenceStatements(Statement s, String db, String app) throws SQLException {
    s.execute(set(db, PREVIOUS, UNSET));
    s.execute(set(db, FENCED_BY, app));
    s.execute("ALTER DATABASE " + Sql.ident(db) + " SET " + READ_ONLY + " = on");
  }

  static void unfence(Connection c) throws SQLException {
    asMover(c);
    Map<String, String> settings = databaseSettings(c);
    if (!settings.containsKey(FENCED_BY)) {
      return;
    }
    inOneTransaction(c, s -> unfenceStatements(s, currentDatabase(c), settings));
    // Sessions opened while fenced carry read-only defaults for their lifetime: end them so the app's
    // next connection writes. The app on a freshly unfenced box has only just been started.
    endOtherSessions(c);
  }

  /**
   * The statements that restore what the fence replaced, for a caller that commits them together with
   * its own (the switch marks the target live in the same transaction).
   */
  static void unfenceStatements(Statement s, String db, Map<String, String> settings) throws SQLException {
    String previous = settings.getOrDefault(PREVIOUS, UNSET);
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

  /** Whether the fence's effect, not only its label, is on the database. */
  private static boolean inForce(Connection c, Map<String, String> settings, boolean superuser) throws SQLException {
    return "on".equals(settings.get(READ_ONLY)) && (!superuser || connectionLimit(c) == 0);
  }

  private static String set(String db, String name, String value) {
    return "ALTER DATABASE " + Sql.ident(db) + " SET " + name + " = " + Sql.literal(value);
  }

  /** Statements that must all take effect or none: a crash between them must not leave half a fence. */
  interface Statements {
    void on(Statement s) throws SQLException;
  }

  static void inOneTransaction(Connection c, Statements work) throws SQLException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      work.on(s);
      c.commit();
    } catch (SQLException | RuntimeException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
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
  static int endOtherSessions(Connection c) throws SQLException {
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
