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

  /** Logical replication leaves sequences at their start: set each to the fenced source's value. */
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
    try (Statement s = source.createStatement();
        PreparedStatement set = target.prepareStatement("SELECT setval(?::regclass, ?, ?)")) {
      for (String sequence : names) {
        // Names come from format('%I'), already quoted.
        try (ResultSet rs = s.executeQuery("SELECT last_value, is_called FROM " + sequence)) {
          rs.next();
          set.setString(1, sequence);
          set.setLong(2, rs.getLong(1));
          set.setBoolean(3, rs.getBoolean(2));
          set.execute();
        }
      }
    }
    return names.size();
  }
}
