package dev.cutover.database;

import dev.cutover.plan.Verify;
import dev.cutover.support.DaemonPool;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.DatabaseObject;
import dev.cutover.verify.TableFingerprint;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
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
    return fingerprint(c, more, box, verify, false, false, options, progress);
  }

  /**
   * With {@code objects}, the database's other objects too ({@link SchemaObjects}), in the same snapshot
   * (owners and grants with {@code owners}): read by the second connection as soon as it has joined the
   * snapshot, while this one reads the catalog for the tables, so the objects are off the critical path;
   * by this connection after its tables if there is no second one.
   */
  static DatabaseFingerprint fingerprint(Connection c, Opener more, String box, Verify verify, boolean objects,
      boolean owners, Options options, Consumer<String> progress) throws SQLException {
    long started = System.nanoTime();
    Snapshots.snapshot(c);
    AtomicLong bytes = new AtomicLong();
    AtomicInteger done = new AtomicInteger();
    CompletableFuture<Queue<Piece>> planned = new CompletableFuture<>();
    long[] objectBytes = {0};
    // Set by the second connection: the objects it read, or null if it had none to read them with.
    CompletableFuture<List<DatabaseObject>> helperObjects = new CompletableFuture<>();
    ExecutorService helpers = null;
    try {
      List<Future<?>> running = new ArrayList<>();
      Work[] work = new Work[1];
      if (more != null) {
        String snapshot = Snapshots.exportSnapshot(c);
        helpers = DaemonPool.of(CONNECTIONS - 1, "fingerprint-" + box);
        for (int h = 1; h < CONNECTIONS; h++) {
          boolean first = h == 1;
          running.add(helpers.submit(() -> {
            Connection helper;
            try {
              helper = more.open();
            } catch (SQLException noRoom) {
              // No second connection (e.g. max_connections): this one does every piece itself.
              if (first) {
                helperObjects.complete(null);
              }
              return null;
            }
            try (helper) {
              Snapshots.join(helper, snapshot);
              if (first) {
                helperObjects.complete(objects ? SchemaObjects.read(helper, owners, rowHasher(options, objectBytes)) : null);
              }
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
      List<Table> tables = Catalog.selected(Catalog.tables(c), verify);
      Map<Long, Layout> layouts = Catalog.layouts(c, tables);
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
            out[piece.index()] = table(connection, layout, null, Catalog.sumsFor(verify, table), options, counted, tick);
          } else if (piece.upper()) {
            split.upper(connection, layout, options, counted, tick);
          } else {
            split.lower(connection, layout, options, counted, tick, () -> report.accept(status.get()));
            split.sums = Sums.of(connection, table, Catalog.sumsFor(verify, table));
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
      // Every helper has ended without failing, so the objects are read if it could read them.
      List<DatabaseObject> found = running.isEmpty() ? null : helperObjects.getNow(null);
      if (objects && found == null) {
        found = SchemaObjects.read(c, owners, rowHasher(options, objectBytes));
      }
      bytes.addAndGet(objectBytes[0]);
      for (Piece piece : pieces) {
        if (piece.split() != null && out[piece.index()] == null) {
          out[piece.index()] = piece.split().fingerprint(layouts.get(tables.get(piece.index()).oid()));
        }
      }
      return new DatabaseFingerprint(box, List.of(out), bytes.get(), (System.nanoTime() - started) / 1_000_000, found);
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
    final CompletableFuture<Chunker.Seam> seam = new CompletableFuture<>();
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
      Chunker.Seam until = awaitSeam(waiting);
      if (until != null && until.rows() != null) {
        BinaryCopy.replay(until.rows(), until.length(), layout.keyFields(), chunker::row);
      } else {
        stream(c, layout, layout.atOrAbove(at) + (until == null ? "" : " AND " + layout.atMost(until.key())),
            chunker, bytes, progress);
      }
      chunker.finish();
      lower = chunker;
    }

    private Chunker.Seam awaitSeam(Runnable tick) throws SQLException {
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
        if (cause instanceof ApplicationFailure typed) {
          // Already says what is wrong (a plan's sum column, say): keep its type.
          throw typed;
        }
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


  /** Every row of a relation, hashed as {@link #table} does, for the objects' materialized views. */
  static SchemaObjects.RowHasher rowHasher(Options options, long[] bytes) {
    return (c, layout) -> table(c, layout, null, List.of(), options, bytes, b -> { });
  }

  /** The table's rows, or only those of {@code where} (a condition on {@code t}), hashed in key order. */
  static TableFingerprint table(Connection c, Layout layout, String where, List<String> sumColumns, Options options,
      long[] bytes, Consumer<Long> progress) throws SQLException {
    Chunker chunker = new Chunker(options.chunkRows(), layout.descriptor());
    stream(c, layout, where, chunker, bytes, progress);
    chunker.finish();
    return new TableFingerprint(layout.table().qualifiedName(), chunker.rows,
        Sums.of(c, layout.table(), sumColumns), chunker.tableHash(), chunker.chunks);
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
}
