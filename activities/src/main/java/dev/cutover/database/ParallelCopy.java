package dev.cutover.database;

import dev.cutover.database.CopyActivities.CopyRequest;
import dev.cutover.database.CopyActivities.CopyResult;
import dev.cutover.support.DaemonPool;
import dev.cutover.workflow.CutoverFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.copy.CopyOut;

/**
 * The {@code dump-restore} copy with more than one job, when nothing needs pg_dump's data section (no
 * large objects, no extension configuration tables): the schema's pre-data part through pg_restore, then
 * every table's rows as {@code COPY ... TO STDOUT} on the source piped straight into {@code COPY ... FROM
 * STDIN} on the target, {@code jobs} pipes at a time, then indexes and constraints (post-data) with
 * {@code pg_restore -j}. This skips writing and re-reading a dump, and big tables are cut into page ranges
 * ({@code ctid}) so that one table does not leave the other pipes idle. Every pipe and pg_dump read one
 * snapshot, exported by a session held open for the copy, so the copy is of one moment even on a live source
 * (the rehearsal copy).
 */
final class ParallelCopy {

  /** A table smaller than this is one piece; bigger ones are cut into about {@code jobs} pieces. */
  private static final long SPLIT_BYTES = 32L << 20;

  private static final String MAINTENANCE_WORK_MEM = "256MB";

  private ParallelCopy() {}

  /** Why this copy cannot be used for the source (it then goes through a dump), or null if it can. */
  static String unsuitable(Connection source) throws SQLException {
    if (Jdbc.exists(source, "SELECT 1 FROM pg_largeobject_metadata")) {
      return "the source has large objects";
    }
    if (Jdbc.exists(source, "SELECT 1 FROM pg_extension WHERE extconfig IS NOT NULL")) {
      return "an extension keeps configuration tables";
    }
    return null;
  }

  /**
   * A table at least this big has its indexes and constraints built as soon as its rows are in (one
   * pg_restore run each); smaller tables' go with the post-data restore, all in one run. At S (six tables,
   * none over 16 MB) the six runs, one after another on two pipes, cost more than the builds they moved.
   */
  static final long EARLY_BUILD_BYTES = 16L << 20;

  /** One COPY pipe: a table, or a range of its pages; {@code tableBytes}: the whole table's heap. */
  record Piece(String table, String columns, String where, long tableBytes) {}

  private static Set<String> tables(List<Piece> pieces) {
    Set<String> tables = new HashSet<>();
    pieces.forEach(p -> tables.add(p.table()));
    return tables;
  }

  private static Set<String> builtEarly(List<Piece> pieces) {
    Set<String> tables = new HashSet<>();
    pieces.stream().filter(p -> p.tableBytes() >= EARLY_BUILD_BYTES).forEach(p -> tables.add(p.table()));
    return tables;
  }

  static CopyResult copy(CopyRequest request, Path pgDump, Path pgRestore, int jobs, List<String> restoreOptions,
      Path schemaFile, Consumer<Map<String, Object>> progress) {
    long started = System.nanoTime();
    try (Connection holder = Connections.open(request.source())) {
      holder.setAutoCommit(false);
      String snapshot;
      boolean binary;
      List<Piece> pieces;
      try (Statement s = holder.createStatement()) {
        s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        try (ResultSet rs = s.executeQuery("SELECT pg_export_snapshot()")) {
          rs.next();
          snapshot = rs.getString(1);
        }
        pieces = pieces(holder, jobs);
      }
      try (Connection target = Connections.open(request.target())) {
        // Binary COPY is the cheapest to produce and parse, but its form is only promised between equal
        // major versions, and arrays of user-defined types carry their type oid, which differs between
        // databases: then text.
        binary = target.getMetaData().getDatabaseMajorVersion() == holder.getMetaData().getDatabaseMajorVersion()
            && !userTypedColumns(holder);
      }

      List<String> schema = new ArrayList<>(List.of(pgDump.toString(), "--format=custom", "--schema-only",
          "--snapshot=" + snapshot, "--file=" + schemaFile));
      schema.addAll(Connections.libpqArgs(request.source(), null));
      PgTools.run(schema, Connections.libpqEnv(request.source()), "pg_dump --schema-only", null,
          () -> progress.accept(Map.of("phase", "schema")));
      PostData post = PostData.plan(holder, toc(pgRestore, schemaFile), tables(pieces), builtEarly(pieces));
      restore(request, pgRestore, restoreOptions, schemaFile, List.of("--section=pre-data"), "pre-data", progress);
      long dumpMillis = (System.nanoTime() - started) / 1_000_000;

      Restorer early = list -> restoreItems(request, pgRestore, restoreOptions, schemaFile, list);
      long bytes = pipes(request, pieces, snapshot, binary, jobs, post, early, progress);
      Set<String> populated = MaterializedViews.populated(holder);
      holder.rollback();

      // What was not built early: indexes of partitions and partitioned tables, triggers, rules, policies,
      // comments, ACLs, and the foreign keys ParallelCopy does not add itself (those of partitioned tables).
      restore(request, pgRestore, restoreOptions, schemaFile,
          List.of("--section=post-data", "--jobs=" + jobs, "--use-list=" + write(schemaFile, "rest", post.rest())),
          "post-data", progress);
      ForeignKeys.add(request.target(), post.foreignKeys(), jobs, progress);
      if (!post.afterForeignKeys().isEmpty()) {
        restore(request, pgRestore, restoreOptions, schemaFile,
            List.of("--section=post-data", "--use-list=" + write(schemaFile, "last", post.afterForeignKeys())),
            "post-data", progress);
      }
      try (Connection source = Connections.open(request.source());
          Connection target = Connections.open(request.target())) {
        Sequences.copy(source, target);
        // Last: a materialized view may read any table, and its own indexes came with post-data.
        MaterializedViews.refresh(populated, target);
      }
      progress.accept(Map.of("phase", "restored", "bytes", bytes, "pieces", pieces.size()));
      return new CopyResult(bytes, 0, dumpMillis, (System.nanoTime() - started) / 1_000_000);
    } catch (SQLException e) {
      throw PgTools.copyFailed("parallel copy: " + e.getMessage(), e);
    }
  }

  private static void restore(CopyRequest request, Path pgRestore, List<String> restoreOptions, Path schemaFile,
      List<String> section, String what, Consumer<Map<String, Object>> progress) {
    List<String> argv = new ArrayList<>(List.of(pgRestore.toString()));
    argv.addAll(restoreOptions);
    argv.addAll(section);
    argv.addAll(Connections.libpqArgs(request.target(), null));
    argv.add(schemaFile.toString());
    Map<String, String> env = new HashMap<>(Connections.libpqEnv(request.target()));
    // Index builds sort every key: the default 64 MB spills a big table's sort to disk. A session setting,
    // so it holds for this restore alone, up to jobs x this on the target during the copy.
    env.put("PGOPTIONS", Connections.MOVER_OPTIONS + " -c maintenance_work_mem=" + MAINTENANCE_WORK_MEM);
    // Heartbeats every second: index builds on a big table take longer than the copy's heartbeat timeout.
    PgTools.run(argv, env, "pg_restore " + what, null, () -> progress.accept(Map.of("phase", what)));
  }

  /** Runs some items of the schema archive: one table's indexes and constraints. */
  @FunctionalInterface
  interface Restorer {
    void restore(List<String> items);
  }

  private static final AtomicInteger LISTS = new AtomicInteger();

  private static void restoreItems(CopyRequest request, Path pgRestore, List<String> restoreOptions, Path schemaFile,
      List<String> items) {
    List<String> argv = new ArrayList<>(List.of(pgRestore.toString()));
    argv.addAll(restoreOptions);
    argv.add("--use-list=" + write(schemaFile, "early-" + LISTS.incrementAndGet(), items));
    argv.addAll(Connections.libpqArgs(request.target(), null));
    argv.add(schemaFile.toString());
    Map<String, String> env = new HashMap<>(Connections.libpqEnv(request.target()));
    env.put("PGOPTIONS", Connections.MOVER_OPTIONS + " -c maintenance_work_mem=" + MAINTENANCE_WORK_MEM);
    // Runs on a pipe's thread: the activity's thread heartbeats meanwhile.
    PgTools.run(argv, env, "pg_restore of " + items.size() + " indexes", null, () -> {});
  }

  /** The schema archive's table of contents, one item a line. */
  private static List<String> toc(Path pgRestore, Path schemaFile) {
    Path list = schemaFile.resolveSibling("toc.list");
    PgTools.run(List.of(pgRestore.toString(), "--list", "--file=" + list, schemaFile.toString()), Map.of(),
        "pg_restore --list", null, () -> {});
    try {
      return Files.readAllLines(list);
    } catch (IOException e) {
      throw PgTools.copyFailed("reading " + list + ": " + e.getMessage(), e);
    }
  }

  /** A list file for {@code pg_restore --use-list} beside the archive. */
  private static Path write(Path schemaFile, String name, List<String> items) {
    Path list = schemaFile.resolveSibling(name + ".list");
    try {
      return Files.write(list, items);
    } catch (IOException e) {
      throw PgTools.copyFailed("writing " + list + ": " + e.getMessage(), e);
    }
  }

  /** Every user table with rows of its own, biggest first, the big ones cut into page ranges. */
  static List<Piece> pieces(Connection c, int jobs) throws SQLException {
    List<Piece> out = new ArrayList<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
        "SELECT format('%I.%I', n.nspname, c.relname), pg_relation_size(c.oid),"
            + " current_setting('block_size')::bigint,"
            + " (SELECT string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum) FROM pg_attribute a"
            + "  WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '')"
            + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
            + " AND n.nspname NOT LIKE 'pg\\_%'"
            // Tables an extension created are made by CREATE EXTENSION on the target, rows and all.
            + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
            + "  AND d.objid = c.oid AND d.deptype = 'e')"
            + " ORDER BY 2 DESC")) {
      while (rs.next()) {
        String table = rs.getString(1);
        long size = rs.getLong(2);
        long pages = size / rs.getLong(3);
        String columns = rs.getString(4) == null ? "" : rs.getString(4);
        int parts = size >= SPLIT_BYTES && c.getMetaData().getDatabaseMajorVersion() >= 14 ? jobs : 1;
        if (parts == 1) {
          out.add(new Piece(table, columns, null, size));
          continue;
        }
        // TID range scans (PostgreSQL 14+) read only their pages. The last range is open: pages added
        // after the size was read are still inside the snapshot's rows, and must not be missed.
        long per = pages / parts + 1;
        for (int i = 0; i < parts; i++) {
          String from = "ctid >= '(" + i * per + ",0)'::tid";
          String to = i == parts - 1 ? "" : " AND ctid < '(" + (i + 1) * per + ",0)'::tid";
          out.add(new Piece(table, columns, from + to, size));
        }
      }
    }
    return out;
  }

  private static boolean userTypedColumns(Connection c) throws SQLException {
    return Jdbc.exists(c, "SELECT 1 FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
        + " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid"
        + " WHERE c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped"
        + " AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        + " AND (t.oid >= 16384 OR t.typelem >= 16384 OR t.typtype = 'c')");
  }

  /**
   * Pipes every piece, {@code jobs} at a time; the pipe that finishes a table's last piece then builds that
   * table's indexes ({@code post.early}) before taking the next piece, so the big tables' index builds
   * overlap the small tables' rows instead of waiting for the last of them.
   */
  private static long pipes(CopyRequest request, List<Piece> pieces, String snapshot, boolean binary, int jobs,
      PostData post, Restorer early, Consumer<Map<String, Object>> progress) throws SQLException {
    ConcurrentLinkedQueue<Piece> queue = new ConcurrentLinkedQueue<>(pieces);
    Map<String, AtomicInteger> unfinished = new HashMap<>();
    pieces.forEach(p -> unfinished.computeIfAbsent(p.table(), t -> new AtomicInteger()).incrementAndGet());
    AtomicLong bytes = new AtomicLong();
    AtomicInteger done = new AtomicInteger();
    AtomicInteger indexed = new AtomicInteger();
    ExecutorService pool = DaemonPool.of(jobs, "copy-pipe");
    List<Future<?>> workers = new ArrayList<>();
    try {
      for (int i = 0; i < jobs; i++) {
        workers.add(pool.submit(() -> {
          try (Connection source = Connections.open(request.source());
              Connection target = Connections.open(request.target())) {
            source.setAutoCommit(false);
            try (Statement s = source.createStatement()) {
              s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
              s.execute("SET TRANSACTION SNAPSHOT " + Sql.literal(snapshot));
              // Rows hidden by row security would be skipped silently; fail instead.
              s.execute("SET row_security = off");
            }
            for (Piece piece; (piece = queue.poll()) != null; ) {
              bytes.addAndGet(pipe(source, target, piece, binary));
              done.incrementAndGet();
              List<String> items = post.early(piece.table());
              if (unfinished.get(piece.table()).decrementAndGet() == 0 && !items.isEmpty()) {
                early.restore(items);
                indexed.incrementAndGet();
              }
            }
            source.rollback();
          }
          return null;
        }));
      }
      // The activity's thread heartbeats while the pipes run.
      for (Future<?> worker : workers) {
        while (true) {
          try {
            worker.get(1, java.util.concurrent.TimeUnit.SECONDS);
            break;
          } catch (java.util.concurrent.TimeoutException stillRunning) {
            progress.accept(Map.of("phase", "copy", "bytes", bytes.get(), "piecesDone", done.get(),
                "pieces", pieces.size(), "tablesIndexed", indexed.get()));
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PgTools.copyFailed("interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new SQLException(cause.getMessage(), cause);
    } finally {
      pool.shutdownNow();
    }
    return bytes.get();
  }

  private static long pipe(Connection source, Connection target, Piece piece, boolean binary) throws SQLException {
    String format = binary ? " (FORMAT binary)" : "";
    String select = "SELECT " + (piece.columns().isEmpty() ? "" : piece.columns()) + " FROM ONLY " + piece.table()
        + (piece.where() == null ? "" : " WHERE " + piece.where());
    String into = piece.table() + (piece.columns().isEmpty() ? "" : " (" + piece.columns() + ")");
    CopyOut out = source.unwrap(PGConnection.class).getCopyAPI().copyOut("COPY (" + select + ") TO STDOUT" + format);
    CopyIn in = null;
    long total = 0;
    try {
      in = target.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + into + " FROM STDIN" + format);
      // The source sends a message per row; the target gets them in 64 KB batches, far fewer messages.
      byte[] batch = new byte[1 << 16];
      int filled = 0;
      byte[] row;
      while ((row = out.readFromCopy()) != null) {
        if (filled + row.length > batch.length) {
          in.writeToCopy(batch, 0, filled);
          filled = 0;
        }
        if (row.length > batch.length) {
          in.writeToCopy(row, 0, row.length);
        } else {
          System.arraycopy(row, 0, batch, filled, row.length);
          filled += row.length;
        }
        total += row.length;
      }
      if (filled > 0) {
        in.writeToCopy(batch, 0, filled);
      }
      in.endCopy();
      return total;
    } finally {
      if (out.isActive()) {
        out.cancelCopy();
      }
      if (in != null && in.isActive()) {
        in.cancelCopy();
      }
    }
  }
}
