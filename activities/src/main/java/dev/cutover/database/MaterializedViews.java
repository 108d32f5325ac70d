package dev.cutover.database;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.ArrayList;
import java.util.Set;

/**
 * A materialized view's rows are data: {@code pg_dump --schema-only} (the COPY pipes' schema, and logical
 * replication's) creates it {@code WITH NO DATA}, and replication does not carry it. So once the rows are in,
 * each one populated on the source is refreshed on the target, and one the source left unpopulated stays so,
 * which is what a whole {@code pg_dump | pg_restore} does.
 */
final class MaterializedViews {

  private MaterializedViews() {}

  /** The source's populated materialized views, as quoted qualified names. */
  static Set<String> populated(Connection source) throws SQLException {
    Set<String> out = new HashSet<>();
    try (Statement s = source.createStatement();
        ResultSet rs = s.executeQuery("SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind = 'm' AND c.relispopulated AND " + Catalog.userSchema("n.nspname"))) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  /**
   * Refreshes on the target those of {@code populated} it has not populated yet, in the order the restore
   * created them (oid order), which is pg_dump's dependency order: a view over another comes after it.
   */
  static int refresh(Set<String> populated, Connection target) throws SQLException {
    List<String> todo = new ArrayList<>();
    try (Statement s = target.createStatement();
        ResultSet rs = s.executeQuery("SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind = 'm' AND NOT c.relispopulated AND " + Catalog.userSchema("n.nspname")
            + " ORDER BY c.oid")) {
      while (rs.next()) {
        if (populated.contains(rs.getString(1))) {
          todo.add(rs.getString(1));
        }
      }
    }
    try (Statement s = target.createStatement()) {
      for (String view : todo) {
        // Names come from format('%I'), already quoted.
        s.execute("REFRESH MATERIALIZED VIEW " + view);
      }
    }
    return todo.size();
  }

  static int copy(Connection source, Connection target) throws SQLException {
    return refresh(populated(source), target);
  }
}
