package dev.cutover.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

/**
 * The tables logical replication does not carry: unlogged ones (their changes are not in the WAL, so neither
 * the initial copy nor the stream sees them) and ones created on the source after the publication (the
 * subscription never learns of them, and DDL is not replicated). The catch-up copies them whole inside the
 * freeze, the source fenced, so the verify gate proves them like every other table.
 */
final class Unreplicated {

  private Unreplicated() {}

  /** The source's unlogged plain tables, by oid, valued by quoted name: what preflight names. */
  static Map<Long, String> unlogged(Connection source) throws SQLException {
    return tables(source, "c.relpersistence = 'u'");
  }

  /** The source's plain tables that the target does not have (by quoted name), by source oid. */
  static Map<Long, String> missingOnTarget(Connection source, Connection target) throws SQLException {
    Map<Long, String> onTarget = tables(target, "true");
    Map<Long, String> out = new LinkedHashMap<>();
    tables(source, "true").forEach((oid, name) -> {
      if (!onTarget.containsValue(name)) {
        out.put(oid, name);
      }
    });
    return out;
  }

  /**
   * The target's plain tables that the subscription does not carry: not in its {@code pg_subscription_rel}
   * (unlogged ones cannot be published; ones made after the publication were never added). By target oid.
   */
  static Map<Long, String> notSubscribed(Connection target, long subscription) throws SQLException {
    return tables(target, "c.oid NOT IN (SELECT srrelid FROM pg_subscription_rel WHERE srsubid = "
        + subscription + "::oid)");
  }

  /** Quoted names of the tables with these oids on {@code c} (those that still exist). */
  static List<String> names(Connection c, List<Long> oids) throws SQLException {
    List<String> out = new ArrayList<>();
    Map<Long, String> all = tables(c, "true");
    for (long oid : oids) {
      if (all.containsKey(oid)) {
        out.add(all.get(oid));
      }
    }
    return out;
  }

  private static Map<Long, String> tables(Connection c, String condition) throws SQLException {
    Map<Long, String> out = new LinkedHashMap<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT c.oid::bigint, format('%I.%I', n.nspname, c.relname) FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND " + condition + " AND "
            + Catalog.userSchema("n.nspname")
            + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
            + "   AND d.objid = c.oid AND d.deptype = 'e') ORDER BY 2")) {
      while (rs.next()) {
        out.put(rs.getLong(1), rs.getString(2));
      }
    }
    return out;
  }

  /**
   * Replaces each table's rows on the target with the source's: TRUNCATE, then one COPY piped from the
   * other, in text (safe across major versions and for any type). Generated columns are computed on the
   * target. In one transaction on the target, so a retry starts from nothing. Returns the bytes piped.
   */
  static long copy(Connection source, Connection target, List<String> tables) throws SQLException {
    if (tables.isEmpty()) {
      return 0;
    }
    long bytes = 0;
    boolean autoCommit = target.getAutoCommit();
    target.setAutoCommit(false);
    try (Statement s = target.createStatement()) {
      for (String table : tables) {
        String columns = columns(source, table);
        // Names come from format('%I'), already quoted.
        s.execute("TRUNCATE " + table);
        CopyOut out = source.unwrap(PGConnection.class).getCopyAPI()
            .copyOut("COPY " + table + " (" + columns + ") TO STDOUT");
        CopyIn in = target.unwrap(PGConnection.class).getCopyAPI()
            .copyIn("COPY " + table + " (" + columns + ") FROM STDIN");
        try {
          for (byte[] row; (row = out.readFromCopy()) != null; ) {
            in.writeToCopy(row, 0, row.length);
            bytes += row.length;
          }
          in.endCopy();
        } finally {
          if (in.isActive()) {
            in.cancelCopy();
          }
          if (out.isActive()) {
            out.cancelCopy();
          }
        }
      }
      target.commit();
    } catch (SQLException e) {
      target.rollback();
      throw e;
    } finally {
      target.setAutoCommit(autoCommit);
    }
    return bytes;
  }

  /** The columns a COPY can write: every one but the generated. */
  private static String columns(Connection source, String table) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = source.prepareStatement("SELECT quote_ident(attname) FROM pg_attribute"
        + " WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return String.join(", ", out);
  }
}
