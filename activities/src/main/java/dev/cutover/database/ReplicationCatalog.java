package dev.cutover.database;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the replication steps look up on either server: subscriptions, publications, slots, keyless tables. */
final class ReplicationCatalog {

  private ReplicationCatalog() {}

  /**
   * Ordinary tables that logical replication cannot carry updates and deletes of: no primary key and
   * the default identity, or identity NOTHING. Keyed by oid, valued by quoted name.
   */
  static Map<Long, String> keylessTables(Connection c) throws SQLException {
    String sql = "SELECT c.oid::bigint, format('%I.%I', n.nspname, c.relname) FROM pg_class c"
        + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND " + Catalog.userSchema("n.nspname")
        + " AND (c.relreplident = 'n' OR (c.relreplident = 'd'"
        + "   AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)))"
        + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
        + "   AND d.objid = c.oid AND d.deptype = 'e')"
        + " ORDER BY 2";
    Map<Long, String> out = new LinkedHashMap<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.put(rs.getLong(1), rs.getString(2));
      }
    }
    return out;
  }

  /**
   * Gives the target's plain tables the replica identity the source has. The schema restore copied the
   * source's identities while pre-sync had set keyless ones to FULL; the source gets its own back at the
   * catch-up, and so, here, does the target, which must not end with settings the old box never had.
   * Returns the tables changed.
   */
  static List<String> matchIdentities(Connection source, Connection target) throws SQLException {
    Map<String, String> wanted = identities(source);
    List<String> changed = new ArrayList<>();
    try (Statement s = target.createStatement()) {
      for (Map.Entry<String, String> e : identities(target).entrySet()) {
        String want = wanted.get(e.getKey());
        if (want == null || want.equals(e.getValue()) || !(want.equals("d") || want.equals("n") || want.equals("f"))) {
          continue;
        }
        // Names come from format('%I'), already quoted; the identity is one of three keywords.
        s.execute("ALTER TABLE " + e.getKey() + " REPLICA IDENTITY "
            + switch (want) { case "d" -> "DEFAULT"; case "n" -> "NOTHING"; default -> "FULL"; });
        changed.add(e.getKey());
      }
    }
    return changed;
  }

  private static Map<String, String> identities(Connection c) throws SQLException {
    Map<String, String> out = new LinkedHashMap<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT format('%I.%I', n.nspname, c.relname), c.relreplident::text FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND "
            + Catalog.userSchema("n.nspname"))) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getString(2));
      }
    }
    return out;
  }

  static Long findSubscription(Connection target, String name) throws SQLException {
    String oid = Jdbc.query(target,
        "SELECT oid::bigint::text FROM pg_subscription WHERE subname = ? AND subdbid = (SELECT oid FROM pg_database"
            + " WHERE datname = current_database())", name);
    return oid == null ? null : Long.parseLong(oid);
  }

  static long subscriptionOid(Connection target, String name) throws SQLException {
    Long oid = findSubscription(target, name);
    if (oid == null) {
      throw new SQLException("subscription " + name + " vanished right after it was created");
    }
    return oid;
  }

  static String publicationComment(Connection source, String name) throws SQLException {
    return Jdbc.query(source, "SELECT obj_description(oid, 'pg_publication') FROM pg_publication WHERE pubname = ?", name);
  }

  static boolean publicationExists(Connection source, String name) throws SQLException {
    return Jdbc.query(source, "SELECT 'yes' FROM pg_publication WHERE pubname = ?", name) != null;
  }

  static boolean slotExists(Connection source, String name) throws SQLException {
    return Jdbc.query(source, "SELECT 'yes' FROM pg_replication_slots WHERE slot_name = ?", name) != null;
  }

  static List<Long> oids(String list) {
    List<Long> out = new ArrayList<>();
    if (list != null) {
      for (String part : list.split(",")) {
        if (!part.isBlank()) {
          out.add(Long.parseLong(part.strip()));
        }
      }
    }
    return out;
  }
}
