package dev.cutover.database;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The read-only REPEATABLE READ snapshots fingerprints, narrowing and re-checks read in, with the session
 * settings fixed so both sides print values alike; and sharing one snapshot between connections.
 */
final class Snapshots {

  private Snapshots() {}

  static String exportSnapshot(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_export_snapshot()")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** Joins {@code snapshot} before anything else in the transaction, as SET TRANSACTION SNAPSHOT requires. */
  static void join(Connection helper, String snapshot) throws SQLException {
    helper.setAutoCommit(false);
    helper.setReadOnly(true);
    helper.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    try (Statement s = helper.createStatement()) {
      s.execute("SET TRANSACTION SNAPSHOT " + Sql.literal(snapshot));
      settings(s);
    }
  }

  /**
   * One read-only REPEATABLE READ snapshot for every table, so the fingerprint is of one moment, and fixed
   * session settings for the values hashed as text and the keys, so both sides print them alike.
   */
  static void snapshot(Connection c) throws SQLException {
    c.setAutoCommit(false);
    c.setReadOnly(true);
    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    try (Statement s = c.createStatement()) {
      settings(s);
    }
  }

  /** As SET LOCAL, in one round trip. */
  private static void settings(Statement s) throws SQLException {
    s.execute("SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true),"
        + " set_config('IntervalStyle', 'postgres', true), set_config('extra_float_digits', '3', true),"
        + " set_config('bytea_output', 'hex', true)");
  }
}
