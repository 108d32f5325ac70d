package dev.cutover.database;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How {@link ParallelCopy} splits the schema archive's post-data items (read from {@code pg_restore -l}) so
 * that they do not all wait for the last row. A big plain table's indexes and its primary key, unique and
 * exclusion constraints are built as soon as that table's rows are in, while other tables still copy (what
 * pgcopydb does); foreign keys of plain tables are added by {@link ForeignKeys}; everything else (partitions'
 * and partitioned tables' indexes, which pg_restore attaches in its own order, triggers, rules, policies,
 * ACLs) stays with {@code pg_restore -j}, and comments and security labels come last, once the constraints
 * they may name exist. Items are matched by their source catalog oid, never by name.
 */
record PostData(Map<String, List<String>> early, List<String> rest, List<ForeignKeys.ForeignKey> foreignKeys,
    List<String> afterForeignKeys) {

  /** {@code id; catalog-oid object-oid DESC schema tag owner}, as {@code pg_restore -l} prints it. */
  private static final Pattern ITEM = Pattern.compile("^\\d+; (\\d+) (\\d+) (.*)$");
  private static final long PG_CLASS = 1259;
  private static final long PG_CONSTRAINT = 2606;

  /** The items of each table, in the list's order; tables without any are absent. */
  List<String> early(String table) {
    return early.getOrDefault(table, List.of());
  }

  /**
   * {@code tables}: the plain tables the pipes copy, by quoted name; {@code buildEarly}: those of them
   * whose indexes and constraints are built as soon as their rows are in (the others' go with post-data).
   */
  static PostData plan(Connection source, List<String> toc, Set<String> tables, Set<String> buildEarly)
      throws SQLException {
    Map<Long, String> owners = earlyOwners(source, buildEarly);
    Map<Long, ForeignKeys.ForeignKey> keys = ForeignKeys.read(source, tables);

    Map<String, List<String>> early = new LinkedHashMap<>();
    List<String> rest = new ArrayList<>();
    List<String> after = new ArrayList<>();
    List<ForeignKeys.ForeignKey> foreignKeys = new ArrayList<>();
    for (String line : toc) {
      Matcher m = ITEM.matcher(line);
      if (!m.matches()) {
        rest.add(line);
        continue;
      }
      long catalog = Long.parseLong(m.group(1));
      long oid = Long.parseLong(m.group(2));
      String desc = m.group(3);
      boolean index = catalog == PG_CLASS && desc.startsWith("INDEX ") && !desc.startsWith("INDEX ATTACH ");
      boolean constraint = catalog == PG_CONSTRAINT && desc.startsWith("CONSTRAINT ");
      if ((index || constraint) && owners.containsKey(oid)) {
        early.computeIfAbsent(owners.get(oid), t -> new ArrayList<>()).add(line);
        rest.add(";" + line);
      } else if (catalog == PG_CONSTRAINT && desc.startsWith("FK CONSTRAINT ") && keys.containsKey(oid)) {
        foreignKeys.add(keys.get(oid));
        rest.add(";" + line);
      } else if (desc.startsWith("COMMENT ") || desc.startsWith("SECURITY LABEL ")) {
        after.add(line);
        rest.add(";" + line);
      } else {
        rest.add(line);
      }
    }
    return new PostData(early, rest, foreignKeys, after);
  }

  /**
   * Index and constraint oids of the tables the pipes copy, mapped to their table, for tables that are
   * neither partitions nor partitioned: their items depend on nothing but the table's rows.
   */
  private static Map<Long, String> earlyOwners(Connection source, Set<String> tables) throws SQLException {
    Map<Long, String> out = new HashMap<>();
    try (Statement s = source.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT i.indexrelid::bigint, format('%I.%I', n.nspname, c.relname) FROM pg_index i"
            + " JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind = 'r' AND NOT c.relispartition"
            + " UNION ALL SELECT k.oid::bigint, format('%I.%I', n.nspname, c.relname) FROM pg_constraint k"
            + " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE k.contype IN ('p', 'u', 'x') AND c.relkind = 'r' AND NOT c.relispartition")) {
      while (rs.next()) {
        if (tables.contains(rs.getString(2))) {
          out.put(rs.getLong(1), rs.getString(2));
        }
      }
    }
    return out;
  }
}
