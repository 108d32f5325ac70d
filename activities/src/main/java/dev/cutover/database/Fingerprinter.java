package dev.cutover.database;

import dev.cutover.plan.Verify;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.TableFingerprint;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Per-table fingerprints: row count, chosen column sums, and SHA-256 over every row in key order.
 *
 * <p>Each row is taken as PostgreSQL's text form of the whole row ({@code t::text}, the record output
 * function). That form is injective for a given row type, because {@code record_in} parses it back to
 * the same row: NULL is an empty field while '' is {@code ""}, and a value holding a comma, quote or
 * parenthesis is quoted and escaped. Each row's bytes are length-prefixed before hashing, so row
 * boundaries cannot shift either. Rows are streamed, never gathered, so memory stays bounded.
 */
final class Fingerprinter {

  private static final int FETCH_SIZE = 5_000;

  private Fingerprinter() {}

  record Table(long oid, String schema, String name, boolean partitioned) {
    String qualifiedName() {
      return schema + "." + name;
    }
  }

  static DatabaseFingerprint fingerprint(
      Connection c, String box, Verify verify, Consumer<String> progress) throws SQLException {
    long started = System.nanoTime();
    c.setAutoCommit(false);
    c.setReadOnly(true);
    // One snapshot for every table, so the fingerprint is of one moment of the database.
    c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
    List<TableFingerprint> out = new ArrayList<>();
    long[] bytes = {0};
    try {
      List<Table> tables = selected(tables(c), verify);
      for (Table table : tables) {
        out.add(table(c, table, sumsFor(verify, table), bytes));
        progress.accept(out.size() + "/" + tables.size() + " tables, " + bytes[0] + " bytes");
      }
    } finally {
      c.rollback();
    }
    return new DatabaseFingerprint(box, out, bytes[0], (System.nanoTime() - started) / 1_000_000);
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

  private static List<Table> selected(List<Table> all, Verify verify) {
    if (verify.tables().all()) {
      return all;
    }
    List<String> wanted = verify.tables().names().stream().map(Fingerprinter::withSchema).toList();
    return all.stream().filter(t -> wanted.contains(t.qualifiedName())).toList();
  }

  private static List<String> sumsFor(Verify verify, Table table) {
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

  private static TableFingerprint table(Connection c, Table table, List<String> sumColumns, long[] bytes)
      throws SQLException {
    // A partitioned table's rows live in its partitions; ONLY would see none. A plain table's
    // inheritance children are fingerprinted on their own, so ONLY keeps them from counting twice.
    String from = (table.partitioned() ? "" : "ONLY ") + Sql.qualified(table.schema(), table.name());
    String sql = "SELECT t::text FROM " + from + " AS t ORDER BY " + orderBy(c, table);
    MessageDigest digest = sha256();
    long rows = 0;
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setFetchSize(FETCH_SIZE);
      try (ResultSet rs = ps.executeQuery()) {
        byte[] length = new byte[4];
        while (rs.next()) {
          byte[] row = rs.getString(1).getBytes(StandardCharsets.UTF_8);
          length[0] = (byte) (row.length >>> 24);
          length[1] = (byte) (row.length >>> 16);
          length[2] = (byte) (row.length >>> 8);
          length[3] = (byte) row.length;
          digest.update(length);
          digest.update(row);
          bytes[0] += row.length;
          rows++;
        }
      }
    }
    return new TableFingerprint(
        table.qualifiedName(), rows, sums(c, from, sumColumns), HexFormat.of().formatHex(digest.digest()));
  }

  /**
   * Primary-key order, with text keys compared bytewise ({@code COLLATE "C"}): two boxes with different
   * C libraries (x86 and ARM, say) may sort text differently under a linguistic collation. A table
   * without a primary key is ordered by its whole row text, which makes its hash order-independent.
   */
  private static String orderBy(Connection c, Table table) throws SQLException {
    String sql =
        "SELECT a.attname, a.attcollation <> 0 FROM pg_index i"
            + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
            + " WHERE i.indrelid = ? AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)";
    List<String> keys = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, table.oid());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          keys.add("t." + Sql.ident(rs.getString(1)) + (rs.getBoolean(2) ? " COLLATE \"C\"" : ""));
        }
      }
    }
    return keys.isEmpty() ? "t::text COLLATE \"C\"" : String.join(", ", keys);
  }

  private static Map<String, String> sums(Connection c, String from, List<String> columns) throws SQLException {
    Map<String, String> out = new LinkedHashMap<>();
    for (String column : columns) {
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT sum(" + Sql.ident(column) + ")::text FROM " + from)) {
        rs.next();
        out.put(column, rs.getString(1) == null ? "null" : rs.getString(1));
      }
    }
    return out;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
