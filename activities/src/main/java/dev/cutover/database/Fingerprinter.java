package dev.cutover.database;

import dev.cutover.plan.Verify;
import dev.cutover.verify.Chunk;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.KeyRange;
import dev.cutover.verify.TableFingerprint;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Per-table fingerprints: row count, chosen column sums, and SHA-256 over every row in key order, made of
 * chunks that say where two sides differ.
 *
 * <p>Rows come out as binary COPY tuples (see {@link BinaryCopy}): every value in its type's binary send
 * form, each preceded by its length or -1 for NULL. The encoding is injective for a given column list:
 * a type's send form is parsed back to the same value by its receive function, NULL (-1) is not ''
 * (length 0), and lengths fix where every value ends, so {@code 'a,b' + 'c'} is not {@code 'a' + 'b,c'}.
 * The column names and types are hashed first, so equal bytes under different columns do not match.
 * A few types' send forms carry type OIDs, which differ between two databases (arrays of user-defined
 * types, composites) or have no send form: those columns are hashed as text instead. Binary beats text
 * twice over: it skips per-value formatting (the cost of {@code t::text}), and it does not depend on
 * session settings such as TimeZone or DateStyle, which the text of a timestamptz does.
 *
 * <p>Chunks: a chunk ends where the key changes after a key whose hash is 0 modulo {@code chunkRows}
 * (or it has grown to 8 x {@code chunkRows}). The boundaries depend on the keys alone, not on row
 * positions, so a missing or extra row changes only the chunk it falls in. The table hash is SHA-256 over
 * the column list and each chunk's row count and SHA-256, so each tuple is hashed once.
 */
final class Fingerprinter {

  /** Chunk length in rows, on average. Both sides must use the same. */
  record Options(int chunkRows) {
    static final Options DEFAULT = new Options(50_000);
  }

  private Fingerprinter() {}

  record Table(long oid, String schema, String name, boolean partitioned) {
    String qualifiedName() {
      return schema + "." + name;
    }

    String from() {
      // A partitioned table's rows live in its partitions; ONLY would see none. A plain table's
      // inheritance children are fingerprinted on their own, so ONLY keeps them from counting twice.
      return (partitioned ? "" : "ONLY ") + Sql.qualified(schema, name);
    }
  }

  /**
   * How one table is read: key columns first (as text, to name chunk boundaries), then every column.
   * A table without a primary key is ordered by the MD5 of its row text, which makes its hash independent
   * of physical order while a duplicated row still adds a tuple.
   */
  record Layout(Table table, List<String> keyNames, List<String> keyTypes, List<Boolean> keyCollatable,
      List<String> columns, String descriptor) {

    boolean keyless() {
      return keyNames.isEmpty();
    }

    int keyFields() {
      return keyless() ? 1 : keyNames.size();
    }

    String select(String where) {
      List<String> items = new ArrayList<>();
      if (keyless()) {
        items.add(rowMd5() + " COLLATE \"C\"");
      } else {
        keyNames.forEach(k -> items.add("t." + Sql.ident(k) + "::text"));
      }
      items.addAll(columns);
      String order = keyless() ? "1" : String.join(", ", keyOrder());
      return "SELECT " + String.join(", ", items) + " FROM " + table.from() + " AS t"
          + (where == null ? "" : " WHERE " + where) + " ORDER BY " + order;
    }

    static String rowMd5() {
      return "md5(t::text)";
    }

    List<String> keyOrder() {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < keyNames.size(); i++) {
        out.add("t." + Sql.ident(keyNames.get(i)) + (keyCollatable.get(i) ? " COLLATE \"C\"" : ""));
      }
      return out;
    }

    /** A SQL condition for rows whose key lies in {@code range}; key values become typed literals. */
    String within(KeyRange range) {
      if (keyless()) {
        return rowMd5() + " COLLATE \"C\" BETWEEN " + Sql.literal(range.first().get(0))
            + " AND " + Sql.literal(range.last().get(0));
      }
      String key = "ROW(" + String.join(", ", keyOrder()) + ")";
      return key + " >= " + literalRow(range.first()) + " AND " + key + " <= " + literalRow(range.last());
    }

    /**
     * A SQL condition for rows whose key is one of {@code keys} (each as the text of its columns), as
     * typed array literals: {@code = ANY} on one column can use the key's index.
     */
    String keysIn(java.util.Collection<List<String>> keys) {
      List<String> arrays = new ArrayList<>();
      for (int i = 0; i < keyNames.size(); i++) {
        int column = i;
        arrays.add("CAST(" + Sql.literal(arrayLiteral(keys.stream().map(k -> k.get(column)).toList()))
            + " AS " + keyTypes.get(i) + "[])");
      }
      if (keyNames.size() == 1) {
        return "t." + Sql.ident(keyNames.get(0)) + " = ANY (" + arrays.get(0) + ")";
      }
      List<String> columns = keyNames.stream().map(k -> "t." + Sql.ident(k)).toList();
      return "ROW(" + String.join(", ", columns) + ") IN (SELECT * FROM unnest(" + String.join(", ", arrays) + "))";
    }

    /** {@code {"a","b\"c"}}: every element quoted, so commas, braces and spaces stay inside it. */
    private static String arrayLiteral(List<String> values) {
      StringBuilder out = new StringBuilder("{");
      for (String v : values) {
        if (out.length() > 1) {
          out.append(',');
        }
        out.append('"').append(v.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
      }
      return out.append('}').toString();
    }

    String keyEquals(List<String> key) {
      if (keyless()) {
        return rowMd5() + " = " + Sql.literal(key.get(0));
      }
      return "ROW(" + String.join(", ", keyOrder()) + ") = " + literalRow(key);
    }

    private String literalRow(List<String> values) {
      List<String> out = new ArrayList<>();
      for (int i = 0; i < values.size(); i++) {
        out.add("CAST(" + Sql.literal(values.get(i)) + " AS " + keyTypes.get(i) + ")");
      }
      return "ROW(" + String.join(", ", out) + ")";
    }
  }

  /** Opens another connection to the same database. */
  @FunctionalInterface
  interface Opener {
    Connection open() throws SQLException;
  }

  /**
   * Connections that read tables at once. Two: the server produces the COPY on one core while this side
   * hashes on another, and a second pair keeps both busy; more would mostly compete with the app.
   */
  static final int CONNECTIONS = 2;

  static DatabaseFingerprint fingerprint(
      Connection c, String box, Verify verify, Options options, Consumer<String> progress) throws SQLException {
    return fingerprint(c, null, box, verify, options, progress);
  }

  /**
   * Fingerprints every selected table, whole tables at a time on up to {@link #CONNECTIONS} connections
   * (more from {@code more}, which may be null). Every connection reads the same snapshot, exported by
   * {@code c} ({@code pg_export_snapshot}), so the result is of one moment and each table's hash is the
   * same as one connection alone would compute. Biggest tables go first, so the last to start is small.
   */
  static DatabaseFingerprint fingerprint(Connection c, Opener more, String box, Verify verify, Options options,
      Consumer<String> progress) throws SQLException {
    long started = System.nanoTime();
    snapshot(c);
    AtomicLong bytes = new AtomicLong();
    AtomicInteger done = new AtomicInteger();
    ExecutorService helpers = null;
    try {
      List<Table> tables = selected(tables(c), verify);
      TableFingerprint[] out = new TableFingerprint[tables.size()];
      ConcurrentLinkedQueue<Integer> queue = new ConcurrentLinkedQueue<>(biggestFirst(c, tables));
      Work work = (connection, report) -> {
        for (Integer i; (i = queue.poll()) != null; ) {
          Table table = tables.get(i);
          long before = bytes.get();
          long[] counted = {0};
          out[i] = table(connection, layout(connection, table), null, sumsFor(verify, table), options, counted,
              b -> report.accept(done.get() + "/" + tables.size() + " tables, " + (before + b) + " bytes"));
          bytes.addAndGet(counted[0]);
          done.incrementAndGet();
        }
      };
      List<Future<?>> running = new ArrayList<>();
      if (more != null && tables.size() > 1) {
        String snapshot = exportSnapshot(c);
        helpers = Executors.newFixedThreadPool(CONNECTIONS - 1, r -> {
          Thread t = new Thread(r, "fingerprint-" + box);
          t.setDaemon(true);
          return t;
        });
        for (int h = 1; h < CONNECTIONS; h++) {
          running.add(helpers.submit(() -> {
            Connection helper;
            try {
              helper = more.open();
            } catch (SQLException noRoom) {
              // No second connection (e.g. max_connections): this one does every table itself.
              return null;
            }
            try (helper) {
              join(helper, snapshot);
              // Heartbeats come from the activity's own thread only.
              work.run(helper, line -> { });
              helper.rollback();
            }
            return null;
          }));
        }
      }
      work.run(c, progress);
      for (Future<?> helper : running) {
        awaitHelper(helper, () -> progress.accept(done.get() + "/" + tables.size() + " tables, " + bytes.get()
            + " bytes"));
      }
      return new DatabaseFingerprint(box, List.of(out), bytes.get(), (System.nanoTime() - started) / 1_000_000);
    } finally {
      if (helpers != null) {
        helpers.shutdownNow();
      }
      c.rollback();
    }
  }

  @FunctionalInterface
  private interface Work {
    void run(Connection c, Consumer<String> progress) throws SQLException;
  }

  private static void awaitHelper(Future<?> helper, Runnable tick) throws SQLException {
    while (true) {
      try {
        helper.get(1, TimeUnit.SECONDS);
        return;
      } catch (TimeoutException stillRunning) {
        tick.run();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SQLException("interrupted while fingerprinting", e);
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        throw cause instanceof SQLException sql ? sql : new SQLException(String.valueOf(cause.getMessage()), cause);
      }
    }
  }

  private static List<Integer> biggestFirst(Connection c, List<Table> tables) throws SQLException {
    Map<Long, Long> sizes = new java.util.HashMap<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT c.oid, pg_total_relation_size(c.oid) FROM pg_class c WHERE c.relkind IN ('r', 'p')")) {
      while (rs.next()) {
        sizes.put(rs.getLong(1), rs.getLong(2));
      }
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < tables.size(); i++) {
      order.add(i);
    }
    order.sort((a, b) -> Long.compare(sizes.getOrDefault(tables.get(b).oid(), 0L),
        sizes.getOrDefault(tables.get(a).oid(), 0L)));
    return order;
  }

  private static String exportSnapshot(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_export_snapshot()")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** Joins {@code snapshot} before anything else in the transaction, as SET TRANSACTION SNAPSHOT requires. */
  private static void join(Connection helper, String snapshot) throws SQLException {
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

  private static void settings(Statement s) throws SQLException {
    s.execute("SET LOCAL TimeZone = 'UTC'");
    s.execute("SET LOCAL DateStyle = 'ISO, YMD'");
    s.execute("SET LOCAL IntervalStyle = 'postgres'");
    s.execute("SET LOCAL extra_float_digits = 3");
    s.execute("SET LOCAL bytea_output = 'hex'");
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

  static Layout layout(Connection c, Table table) throws SQLException {
    // Binary only where the send form carries no type OID that could differ between the two databases
    // (built-in types, below FirstNormalObjectId 16384; no composites) and a send function exists.
    String columnsSql =
        "SELECT a.attname, format_type(a.atttypid, NULL),"
            + " b.oid < 16384 AND b.typtype <> 'c' AND b.typsend <> 0"
            + "   AND (b.typelem = 0 OR b.typlen <> -1 OR (e.oid < 16384 AND e.typtype <> 'c'))"
            + " FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid"
            + " JOIN pg_type b ON b.oid = CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE ty.oid END"
            + " LEFT JOIN pg_type e ON e.oid = b.typelem"
            + " WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
    List<String> columns = new ArrayList<>();
    StringBuilder descriptor = new StringBuilder();
    try (PreparedStatement ps = c.prepareStatement(columnsSql)) {
      ps.setLong(1, table.oid());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String column = "t." + Sql.ident(rs.getString(1));
          columns.add(rs.getBoolean(3) ? column : column + "::text");
          descriptor.append(Sql.ident(rs.getString(1))).append(' ').append(rs.getString(2)).append('\n');
        }
      }
    }
    // Primary-key order, with text keys compared bytewise (COLLATE "C"): two boxes with different C
    // libraries (x86 and ARM, say) may sort text differently under a linguistic collation.
    String keySql =
        "SELECT a.attname, format_type(a.atttypid, NULL), a.attcollation <> 0 FROM pg_index i"
            + " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
            + " WHERE i.indrelid = ? AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)";
    List<String> names = new ArrayList<>();
    List<String> types = new ArrayList<>();
    List<Boolean> collatable = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(keySql)) {
      ps.setLong(1, table.oid());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          names.add(rs.getString(1));
          types.add(rs.getString(2));
          collatable.add(rs.getBoolean(3));
        }
      }
    }
    return new Layout(table, names, types, collatable, columns, descriptor.toString());
  }

  /** The table's rows, or only those of {@code where} (a condition on {@code t}), hashed in key order. */
  static TableFingerprint table(Connection c, Layout layout, String where, List<String> sumColumns, Options options,
      long[] bytes, Consumer<Long> progress) throws SQLException {
    Chunker chunker = new Chunker(options.chunkRows(), layout.descriptor());
    long before = bytes[0];
    long[] lastReport = {System.nanoTime()};
    bytes[0] += BinaryCopy.stream(c, layout.select(where), layout.keyFields(), (tuple, length, key) -> {
      chunker.row(tuple, length, key);
      if (System.nanoTime() - lastReport[0] > 1_000_000_000L) {
        progress.accept(before + chunker.bytes);
        lastReport[0] = System.nanoTime();
      }
    });
    chunker.finish();
    progress.accept(bytes[0]);
    return new TableFingerprint(layout.table().qualifiedName(), chunker.rows,
        sums(c, layout.table().from(), sumColumns), chunker.tableHash(), chunker.chunks);
  }

  /** Cuts the ordered tuples into content-defined chunks and hashes each once. */
  static final class Chunker {
    private final int chunkRows;
    private final MessageDigest table = sha256();
    private final MessageDigest chunk = sha256();
    final List<Chunk> chunks = new ArrayList<>();
    long rows;
    long bytes;
    private long chunkCount;
    private List<String> first;
    private List<String> last;

    Chunker(int chunkRows, String descriptor) {
      this.chunkRows = chunkRows;
      byte[] d = descriptor.getBytes(StandardCharsets.UTF_8);
      table.update(ByteBuffer.allocate(4).putInt(d.length).array());
      table.update(d);
    }

    void row(byte[] tuple, int length, List<String> key) {
      if (chunkCount > 0 && !key.equals(last) && (isBoundary(last) || chunkCount >= 8L * chunkRows)) {
        close();
      }
      if (chunkCount == 0) {
        first = key;
      }
      last = key;
      chunk.update(tuple, 0, length);
      chunkCount++;
      rows++;
      bytes += length;
    }

    private boolean isBoundary(List<String> key) {
      return Integer.remainderUnsigned(mix(key.hashCode()), chunkRows) == 0;
    }

    private void close() {
      byte[] digest = chunk.digest();
      table.update(ByteBuffer.allocate(8).putLong(chunkCount).array());
      table.update(digest);
      chunks.add(new Chunk(first, last, chunkCount, HexFormat.of().formatHex(Arrays.copyOf(digest, 16))));
      chunkCount = 0;
    }

    void finish() {
      if (chunkCount > 0) {
        close();
      }
    }

    String tableHash() {
      return HexFormat.of().formatHex(table.digest());
    }

    /** MurmurHash3's finaliser: spreads String.hashCode (fixed by the Java spec) over all 32 bits. */
    private static int mix(int h) {
      h ^= h >>> 16;
      h *= 0x85ebca6b;
      h ^= h >>> 13;
      h *= 0xc2b2ae35;
      h ^= h >>> 16;
      return h;
    }
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

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
