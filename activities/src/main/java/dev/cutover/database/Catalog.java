package dev.cutover.database;

import dev.cutover.plan.Verify;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The catalog queries every reader of rows shares: the user tables, the plan's selection of them, and each
 * table's {@link Layout} (columns, key, how each column is sent).
 */
final class Catalog {

  private Catalog() {}

  /** A condition on a schema name column: not a system schema. */
  static String userSchema(String column) {
    return column + " NOT IN ('pg_catalog', 'information_schema') AND " + column + " NOT LIKE 'pg\\_%'";
  }

  static List<Table> tables(Connection c) throws SQLException {
    String sql =
        "SELECT c.oid, n.nspname, c.relname, c.relkind = 'p' FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition"
            + " AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'"
            + " ORDER BY n.nspname, c.relname";
    List<Table> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(new Table(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)));
      }
    }
    return out;
  }

  static Table table(Connection c, String qualifiedName) throws SQLException {
    String wanted = withSchema(qualifiedName);
    return tables(c).stream().filter(t -> t.qualifiedName().equals(wanted)).findFirst()
        .orElseThrow(() -> new SQLException("no table " + wanted));
  }

  static List<Table> selected(List<Table> all, Verify verify) {
    if (verify.tables().all()) {
      return all;
    }
    List<String> wanted = verify.tables().names().stream().map(Catalog::withSchema).toList();
    return all.stream().filter(t -> wanted.contains(t.qualifiedName())).toList();
  }

  static List<String> sumsFor(Verify verify, Table table) {
    for (Map.Entry<String, List<String>> e : verify.sums().entrySet()) {
      if (withSchema(e.getKey()).equals(table.qualifiedName())) {
        return e.getValue();
      }
    }
    return List.of();
  }

  static String withSchema(String name) {
    return name.contains(".") ? name : "public." + name;
  }

  static Layout layout(Connection c, Table table) throws SQLException {
    return layouts(c, List.of(table)).get(table.oid());
  }

  /** Every table's layout in two catalog queries, however many tables: at small sizes these add up. */
  static Map<Long, Layout> layouts(Connection c, List<Table> tables) throws SQLException {
    Array oids = c.createArrayOf("oid", tables.stream().map(Table::oid).toArray());
    // Binary only where the send form carries no type OID that could differ between the two databases
    // (built-in types, below FirstNormalObjectId 16384; no composites) and a send function exists.
    String columnsSql =
        "SELECT a.attrelid, a.attname, format_type(a.atttypid, NULL),"
            + " b.oid < 16384 AND b.typtype <> 'c' AND b.typsend <> 0"
            + "   AND (b.typelem = 0 OR b.typlen <> -1 OR (e.oid < 16384 AND e.typtype <> 'c'))"
            + " FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid"
            + " JOIN pg_type b ON b.oid = CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE ty.oid END"
            + " LEFT JOIN pg_type e ON e.oid = b.typelem"
            + " WHERE a.attrelid = ANY (?) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum";
    Map<Long, List<String>> columns = new HashMap<>();
    Map<Long, StringBuilder> descriptors = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(columnsSql)) {
      ps.setArray(1, oids);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long oid = rs.getLong(1);
          String column = "t." + Sql.ident(rs.getString(2));
          columns.computeIfAbsent(oid, o -> new ArrayList<>()).add(rs.getBoolean(4) ? column : column + "::text");
          descriptors.computeIfAbsent(oid, o -> new StringBuilder())
              .append(Sql.ident(rs.getString(2))).append(' ').append(rs.getString(3)).append('\n');
        }
      }
    }
    // Primary-key order, with text keys compared bytewise (COLLATE "C"): two boxes with different C
    // libraries (x86 and ARM, say) may sort text differently under a linguistic collation.
    String keySql =
        "SELECT i.indrelid, a.attname, format_type(a.atttypid, NULL), a.attcollation <> 0 FROM pg_index i"
            + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
            + " WHERE i.indrelid = ANY (?) AND i.indisprimary"
            + " ORDER BY i.indrelid, array_position(i.indkey, a.attnum)";
    Map<Long, List<String>> names = new HashMap<>();
    Map<Long, List<String>> types = new HashMap<>();
    Map<Long, List<Boolean>> collatable = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(keySql)) {
      ps.setArray(1, oids);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          long oid = rs.getLong(1);
          names.computeIfAbsent(oid, o -> new ArrayList<>()).add(rs.getString(2));
          types.computeIfAbsent(oid, o -> new ArrayList<>()).add(rs.getString(3));
          collatable.computeIfAbsent(oid, o -> new ArrayList<>()).add(rs.getBoolean(4));
        }
      }
    }
    Map<Long, Layout> out = new HashMap<>();
    for (Table table : tables) {
      long oid = table.oid();
      out.put(oid, new Layout(table, names.getOrDefault(oid, List.of()), types.getOrDefault(oid, List.of()),
          collatable.getOrDefault(oid, List.of()), columns.getOrDefault(oid, List.of()),
          descriptors.getOrDefault(oid, new StringBuilder()).toString()));
    }
    return out;
  }
}
