package dev.cutover.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Sequence values are data, which the logical copy's replication and the parallel copy's pipes do not carry:
 * both strategies set them here, once the rows are in.
 */
final class Sequences {

  private Sequences() {}

  /**
   * Logical replication leaves sequences at their start: set each to the fenced source's value. Three
   * round trips whatever the number of sequences (their names, all their values in one read, all set in
   * one statement): this runs in the blackout, and across a network each round trip is its latency.
   */
  static int copy(Connection source, Connection target) throws SQLException {
    List<String> names = new ArrayList<>();
    try (Statement s = source.createStatement();
        ResultSet rs = s.executeQuery("SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND " + Catalog.userSchema("n.nspname")
            + " ORDER BY 1")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    if (names.isEmpty()) {
      return 0;
    }
    // Names come from format('%I'), already quoted; the position keeps each value with its name.
    List<String> reads = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      reads.add("SELECT " + i + " AS i, last_value, is_called FROM " + names.get(i));
    }
    Long[] values = new Long[names.size()];
    Boolean[] called = new Boolean[names.size()];
    try (Statement s = source.createStatement();
        ResultSet rs = s.executeQuery(String.join(" UNION ALL ", reads))) {
      while (rs.next()) {
        values[rs.getInt(1)] = rs.getLong(2);
        called[rs.getInt(1)] = rs.getBoolean(3);
      }
    }
    try (PreparedStatement set = target.prepareStatement("SELECT count(setval(n::regclass, v, c))"
        + " FROM unnest(?::text[], ?::bigint[], ?::boolean[]) AS t(n, v, c)")) {
      set.setArray(1, target.createArrayOf("text", names.toArray()));
      set.setArray(2, target.createArrayOf("bigint", values));
      set.setArray(3, target.createArrayOf("boolean", called));
      set.execute();
    }
    return names.size();
  }
}
