package dev.cutover.database;

import dev.cutover.plan.Verify;
import dev.cutover.support.DaemonPool;
import dev.cutover.verify.Chunk;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.KeyRange;
import dev.cutover.verify.TableFingerprint;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

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

  /**
   * Chunk length in rows, on average; both sides must use the same. And the most a split table's upper
   * reader keeps of the rows it skips, for the lower reader (see {@link Split}); past it they are read again.
   */
  record Options(int chunkRows, int prefixBytes) {
    static final Options DEFAULT = new Options(50_000);

    Options(int chunkRows) {
      this(chunkRows, 16 << 20);
    }
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
      return select(where, true);
    }

    /**
     * The key's columns among {@link #columns}, when each is sent in a binary form that
     * {@link BinaryCopy.Keys} can print as its text (integers, text, varchar, uuid); otherwise null, and
     * the key is sent as text.
     */
    BinaryCopy.Keys binaryKeys() {
      if (keyless()) {
        return null;
      }
      int[] fields = new int[keyNames.size()];
      BinaryCopy.Kind[] kinds = new BinaryCopy.Kind[keyNames.size()];
      for (int i = 0; i < keyNames.size(); i++) {
        fields[i] = columns.indexOf("t." + Sql.ident(keyNames.get(i)));
        String type = keyTypes.get(i);
        kinds[i] = switch (type) {
          case "smallint", "integer", "bigint" -> BinaryCopy.Kind.INTEGER;
          case "text" -> BinaryCopy.Kind.TEXT;
          case "uuid" -> BinaryCopy.Kind.UUID;
          default -> type.startsWith("character varying") ? BinaryCopy.Kind.TEXT : null;
        };
        if (fields[i] < 0 || kinds[i] == null) {
          return null;
        }
      }
      return new BinaryCopy.Keys(fields, kinds);
    }

    /** {@link #select} without the key-as-text fields, for {@link #binaryKeys}. */
    String selectColumns(String where) {
      return select(where, false);
    }

    private String select(String where, boolean keyText) {
      List<String> items = new ArrayList<>();
      if (keyless()) {
        items.add(rowMd5() + " COLLATE \"C\"");
      } else if (keyText) {
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

    /** Rows below {@code split} in the first key column (or the row MD5): a prefix of the key order. */
    String below(String split) {
      return splitColumn() + " < " + splitValue(split);
    }

    /** The rest of the key order after {@link #below}. */
    String atOrAbove(String split) {
      return splitColumn() + " >= " + splitValue(split);
    }

    /** Rows whose key is at most {@code key}. */
    String atMost(List<String> key) {
      if (keyless()) {
        return rowMd5() + " COLLATE \"C\" <= " + Sql.literal(key.get(0));
      }
      return "ROW(" + String.join(", ", keyOrder()) + ") <= " + literalRow(key);
    }

    private String splitColumn() {
      return keyless() ? rowMd5() + " COLLATE \"C\"" : keyOrder().get(0);
    }

    private String splitValue(String split) {
      return keyless() ? Sql.literal(split) : "CAST(" + Sql.literal(split) + " AS " + keyTypes.get(0) + ")";
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
   * Fingerprints every selected table on up to {@link #CONNECTIONS} connections (more from {@code more},
   * which may be null). Every connection reads the same snapshot, exported by {@code c}
   * ({@code pg_export_snapshot}), so the result is of one moment and each table's hash is the same as one
   * connection alone would compute. A table big enough to leave the other connection idle is read as two
   * key ranges (see {@link Split}); pieces go biggest first, so the last to start is small. The second
   * connection opens while this one reads the catalog, so its start-up is off the critical path.
   */
  static DatabaseFingerprint fingerprint(Connection c, Opener more, String box, Verify verify, Options options,
      Consumer<String> progress) throws SQLException {
    long started = System.nanoTime();
    snapshot(c);
    AtomicLong bytes = new AtomicLong();
    AtomicInteger done = new AtomicInteger();
    CompletableFuture<Queue<Piece>> planned = new CompletableFuture<>();
    ExecutorService helpers = null;
    try {
      List<Future<?>> running = new ArrayList<>();
      Work[] work = new Work[1];
      if (more != null) {
        String snapshot = exportSnapshot(c);
        helpers = DaemonPool.of(CONNECTIONS - 1, "fingerprint-" + box);
        for (int h = 1; h < CONNECTIONS; h++) {
          running.add(helpers.submit(() -> {
            Connection helper;
            try {
              helper = more.open();
            } catch (SQLException noRoom) {
              // No second connection (e.g. max_connections): this one does every piece itself.
              return null;
            }
            try (helper) {
              join(helper, snapshot);
              Queue<Piece> queue = planned.get();
              if (work[0] != null) {
                // Heartbeats come from the activity's own thread only.
                work[0].run(helper, queue, line -> { });
              }
              helper.rollback();
            }
            return null;
          }));
        }
      }
      List<Table> tables = selected(tables(c), verify);
      Map<Long, Layout> layouts = layouts(c, tables);
      List<Piece> pieces = pieces(c, tables, layouts, options, more != null);
      TableFingerprint[] out = new TableFingerprint[tables.size()];
      Supplier<String> status = () -> done.get() + "/" + tables.size() + " tables, " + bytes.get() + " bytes";
      work[0] = (connection, queue, report) -> {
        for (Piece piece; (piece = queue.poll()) != null; ) {
          Table table = tables.get(piece.index());
          Layout layout = layouts.get(table.oid());
          long before = bytes.get();
          long[] counted = {0};
          Consumer<Long> tick = b -> report.accept(done.get() + "/" + tables.size() + " tables, " + (before + b)
              + " bytes");
          Split split = piece.split();
          if (split == null) {
            out[piece.index()] = table(connection, layout, null, sumsFor(verify, table), options, counted, tick);
          } else if (piece.upper()) {
            split.upper(connection, layout, options, counted, tick);
          } else {
            split.lower(connection, layout, options, counted, tick, () -> report.accept(status.get()));
            split.sums = sums(connection, table.from(), sumsFor(verify, table));
          }
          bytes.addAndGet(counted[0]);
          if (split == null || split.pieces.decrementAndGet() == 0) {
            done.incrementAndGet();
          }
        }
      };
      planned.complete(new ConcurrentLinkedQueue<>(pieces));
      work[0].run(c, planned.join(), progress);
      for (Future<?> helper : running) {
        awaitHelper(helper, () -> progress.accept(status.get()));
      }
      for (Piece piece : pieces) {
        if (piece.split() != null && out[piece.index()] == null) {
          out[piece.index()] = piece.split().fingerprint(layouts.get(tables.get(piece.index()).oid()));
        }
      }
      return new DatabaseFingerprint(box, List.of(out), bytes.get(), (System.nanoTime() - started) / 1_000_000);
    } finally {
      // A helper still waiting for the plan (this side failed first) finds nothing to do.
      planned.complete(new ConcurrentLinkedQueue<>());
      if (helpers != null) {
        helpers.shutdownNow();
      }
      c.rollback();
    }
  }

  @FunctionalInterface
  private interface Work {
    void run(Connection c, Queue<Piece> queue, Consumer<String> progress) throws SQLException;
  }

  /** A whole table ({@code split} null), or one of the two key ranges of a split table. */
  record Piece(int index, long size, Split split, boolean upper) {}

  /**
   * Where a split table's upper reader starts its own chunks: after the rows up to {@code key}, which it
   * hands over in {@code rows[0, length)} (its tuples end to end), or null when there were too many.
   */
  record Seam(List<String> key, byte[] rows, int length) {}

  /**
   * One table read as two key ranges, below {@code at} and from it, by two connections at once, with the
   * same chunks and hash as one connection reading it whole.
   *
   * <p>Where a chunk ends depends on the rows before it (a chunk is also cut at 8 x {@code chunkRows}), so
   * the upper reader cannot know which chunk its first rows belong to. But a chunk always ends where the
   * key changes after a boundary key, whatever came before: from there on, one reader's chunks do not
   * depend on earlier rows. So the upper reader skips its rows up to that point (the seam: the last key
   * before it) without hashing them and chunks the rest; the lower reader reads its own range, then the
   * upper range's rows up to the seam, which closes the chunk that spans the split exactly as a single
   * reader would. The table hash is then taken over the lower reader's chunks followed by the upper's.
   * The rows before the seam (about {@code chunkRows} of them, the length of one chunk) are handed over
   * as the upper reader saw them, up to {@link Options#prefixBytes}; past that they are read again.
   * The upper piece is queued first, so whoever waits for the seam waits for a piece that is
   * already being read; if the upper range has no seam, the lower reader reads all of it.
   */
  static final class Split {
    final String at;
    final CompletableFuture<Seam> seam = new CompletableFuture<>();
    final AtomicInteger pieces = new AtomicInteger(2);
    volatile Chunker lower;
    volatile Chunker upper;
    volatile Map<String, String> sums;

    Split(String at) {
      this.at = at;
    }

    void upper(Connection c, Layout layout, Options options, long[] bytes, Consumer<Long> progress)
        throws SQLException {
      Chunker chunker = new Chunker(options.chunkRows(), layout.descriptor());
      chunker.skipToSeam(seam::complete, options.prefixBytes());
      try {
        stream(c, layout, layout.atOrAbove(at), chunker, bytes, progress);
        chunker.finish();
        // No-op when the seam was found; null tells the lower reader to read the whole upper range.
        seam.complete(null);
      } catch (SQLException | RuntimeException | Error e) {
        seam.completeExceptionally(e);
        throw e;
      }
      upper = chunker;
    }

    void lower(Connection c, Layout layout, Options options, long[] bytes, Consumer<Long> progress,
        Runnable waiting) throws SQLException {
      Chunker chunker = new Chunker(options.chunkRows(), layout.descriptor());
      stream(c, layout, layout.below(at), chunker, bytes, progress);
      Seam until = awaitSeam(waiting);
      if (until != null && until.rows() != null) {
        BinaryCopy.replay(until.rows(), until.length(), layout.keyFields(), chunker::row);
      } else {
        stream(c, layout, layout.atOrAbove(at) + (until == null ? "" : " AND " + layout.atMost(until.key())),
            chunker, bytes, progress);
      }
      chunker.finish();
      lower = chunker;
    }

    private Seam awaitSeam(Runnable tick) throws SQLException {
      while (true) {
        try {
          return seam.get(1, TimeUnit.SECONDS);
        } catch (TimeoutException stillReading) {
          tick.run();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new SQLException("interrupted while fingerprinting", e);
        } catch (ExecutionException e) {
          throw new SQLException("the upper key range failed: " + e.getCause().getMessage(), e.getCause());
        }
      }
    }

    TableFingerprint fingerprint(Layout layout) {
      lower.append(upper);
      return new TableFingerprint(layout.table().qualifiedName(), lower.rows, sums, lower.tableHash(),
          lower.chunks);
    }
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

  /**
   * The pieces to read, biggest first. A table is split in two when it is more than a quarter of the data
   * (one piece more than half would leave the other connection idle at the end) and has enough rows that the
   * rows read twice (one chunk's worth, see {@link Split}) are a small part of it. It is cut at the middle
   * of the planner's histogram of its first key column, so this costs no scan; a table without statistics
   * is read whole. A table without a key is cut at the MD5 {@code '8'}, half of its order.
   */
  static List<Piece> pieces(Connection c, List<Table> tables, Map<Long, Layout> layouts, Options options,
      boolean split) throws SQLException {
    Map<Long, long[]> sizes = new HashMap<>();
    Map<Long, String> middles = new HashMap<>();
    String sql = "SELECT c.oid,"
        // A partitioned table's rows are in its partitions (pg_partition_tree lists none for a plain table).
        + " CASE WHEN c.relkind = 'p'"
        + "   THEN (SELECT coalesce(sum(pg_table_size(p.relid)), 0) FROM pg_partition_tree(c.oid) p)::bigint"
        + "   ELSE pg_table_size(c.oid) END,"
        + " c.reltuples::bigint,"
        + " (SELECT b[(array_length(b, 1) + 1) / 2] FROM (SELECT s.histogram_bounds::text::text[] AS b"
        + "   FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]"
        + "   JOIN pg_namespace n ON n.oid = c.relnamespace"
        + "   JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname"
        + "   WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY s.inherited DESC LIMIT 1) h)"
        + " FROM pg_class c WHERE c.oid = ANY (?)";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setArray(1, c.createArrayOf("oid", tables.stream().map(Table::oid).toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          sizes.put(rs.getLong(1), new long[] {rs.getLong(2), rs.getLong(3)});
          middles.put(rs.getLong(1), rs.getString(4));
        }
      }
    }
    long total = sizes.values().stream().mapToLong(s -> s[0]).sum();
    List<Piece> pieces = new ArrayList<>();
    for (int i = 0; i < tables.size(); i++) {
      long oid = tables.get(i).oid();
      long[] size = sizes.getOrDefault(oid, new long[2]);
      String at = layouts.get(oid).keyless() ? "8" : middles.get(oid);
      if (split && at != null && size[0] > total / (2 * CONNECTIONS) && size[1] >= 4L * options.chunkRows()) {
        Split both = new Split(at);
        // Upper first: see Split.
        pieces.add(new Piece(i, size[0] / 2, both, true));
        pieces.add(new Piece(i, size[0] / 2, both, false));
      } else {
        pieces.add(new Piece(i, size[0], null, false));
      }
    }
    // Stable, so a split table's upper piece stays ahead of its lower one.
    pieces.sort(Comparator.comparingLong(Piece::size).reversed());
    return pieces;
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

  /** As SET LOCAL, in one round trip. */
  private static void settings(Statement s) throws SQLException {
    s.execute("SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO, YMD', true),"
        + " set_config('IntervalStyle', 'postgres', true), set_config('extra_float_digits', '3', true),"
        + " set_config('bytea_output', 'hex', true)");
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

  /** The table's rows, or only those of {@code where} (a condition on {@code t}), hashed in key order. */
  static TableFingerprint table(Connection c, Layout layout, String where, List<String> sumColumns, Options options,
      long[] bytes, Consumer<Long> progress) throws SQLException {
    Chunker chunker = new Chunker(options.chunkRows(), layout.descriptor());
    stream(c, layout, where, chunker, bytes, progress);
    chunker.finish();
    return new TableFingerprint(layout.table().qualifiedName(), chunker.rows,
        sums(c, layout.table().from(), sumColumns), chunker.tableHash(), chunker.chunks);
  }

  /** Feeds the rows {@code where} selects (all when null) to {@code chunker}, adding the bytes read. */
  private static void stream(Connection c, Layout layout, String where, Chunker chunker, long[] bytes,
      Consumer<Long> progress) throws SQLException {
    long before = bytes[0];
    long hashedBefore = chunker.bytes;
    long[] lastReport = {System.nanoTime()};
    BinaryCopy.RowSink sink = (tuple, length, key) -> {
      chunker.row(tuple, length, key);
      if (System.nanoTime() - lastReport[0] > 1_000_000_000L) {
        progress.accept(before + chunker.bytes - hashedBefore);
        lastReport[0] = System.nanoTime();
      }
    };
    BinaryCopy.Keys keys = layout.binaryKeys();
    bytes[0] += keys == null
        ? BinaryCopy.stream(c, layout.select(where), layout.keyFields(), sink)
        : BinaryCopy.stream(c, layout.selectColumns(where), keys, sink);
    progress.accept(bytes[0]);
  }

  /**
   * Cuts the ordered tuples into content-defined chunks and hashes each once. The table hash is taken at the
   * end over every chunk's row count and full SHA-256, so two chunkers' runs can be joined into one.
   */
  static final class Chunker {
    private final int chunkRows;
    private final byte[] descriptor;
    private final MessageDigest chunk = sha256();
    final List<Chunk> chunks = new ArrayList<>();
    private final List<byte[]> digests = new ArrayList<>();
    long rows;
    long bytes;
    private long chunkCount;
    private List<String> first;
    private List<String> last;
    private Consumer<Seam> seam;
    private byte[] skipped;
    private int skippedLength;

    private int keepAtMost;

    Chunker(int chunkRows, String descriptor) {
      this.chunkRows = chunkRows;
      this.descriptor = descriptor.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Skips rows, unhashed, until the key changes after a boundary key, where any reader's chunk ends; then
     * tells {@code seam} the last skipped key and the skipped rows, and chunks from the next row on.
     */
    void skipToSeam(Consumer<Seam> seam, int keepAtMost) {
      this.seam = seam;
      this.keepAtMost = keepAtMost;
      this.skipped = new byte[Math.min(1 << 16, keepAtMost)];
    }

    void row(byte[] tuple, int length, List<String> key) {
      if (seam != null) {
        if (last == null || key.equals(last) || !isBoundary(last)) {
          last = key;
          keep(tuple, length);
          return;
        }
        seam.accept(new Seam(last, skipped, skippedLength));
        seam = null;
        skipped = null;
      }
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

    private void keep(byte[] tuple, int length) {
      if (skipped == null) {
        return;
      }
      if ((long) skippedLength + length > keepAtMost) {
        skipped = null;
        return;
      }
      if (skippedLength + length > skipped.length) {
        skipped = Arrays.copyOf(skipped, Math.min(keepAtMost, Math.max(skippedLength + length,
            skipped.length * 2)));
      }
      System.arraycopy(tuple, 0, skipped, skippedLength, length);
      skippedLength += length;
    }

    private boolean isBoundary(List<String> key) {
      return isBoundary(key, chunkRows);
    }

    static boolean isBoundary(List<String> key, int chunkRows) {
      return Integer.remainderUnsigned(mix(key.hashCode()), chunkRows) == 0;
    }

    private void close() {
      byte[] digest = chunk.digest();
      digests.add(digest);
      chunks.add(new Chunk(first, last, chunkCount, HexFormat.of().formatHex(Arrays.copyOf(digest, 16))));
      chunkCount = 0;
    }

    void finish() {
      if (chunkCount > 0) {
        close();
      }
    }

    /** Appends {@code next}'s finished chunks, which follow this one's in key order. */
    void append(Chunker next) {
      chunks.addAll(next.chunks);
      digests.addAll(next.digests);
      rows += next.rows;
      bytes += next.bytes;
    }

    String tableHash() {
      MessageDigest table = sha256();
      table.update(ByteBuffer.allocate(4).putInt(descriptor.length).array());
      table.update(descriptor);
      for (int i = 0; i < chunks.size(); i++) {
        table.update(ByteBuffer.allocate(8).putLong(chunks.get(i).rows()).array());
        table.update(digests.get(i));
      }
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
