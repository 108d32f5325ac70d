package dev.cutover.database;

import dev.cutover.database.CopyActivities.CopyRequest;
import dev.cutover.database.CopyActivities.CopyResult;
import dev.cutover.hosts.ProcessRunner;
import dev.cutover.plan.Copy;
import dev.cutover.support.Directories;
import dev.cutover.support.Heartbeats;
import dev.cutover.workflow.CutoverFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The {@code dump-restore} copy. With one job, {@code pg_dump} is piped straight into {@code pg_restore}:
 * no temp file. With more, {@link ParallelCopy} pipes the rows table by table between the servers; only
 * where it cannot (large objects, extension configuration tables) does a directory-format dump
 * ({@code -Fd -j N}, one file per table, the only format pg_dump writes in parallel) go to a temp directory
 * on the worker for {@code pg_restore -j N} to read.
 * Dumps are uncompressed: both ends are on a fast link during a blackout, and compression would otherwise
 * be most of the copy's time.
 */
final class DumpRestore {

  /** Room to keep free beyond the estimate: the dump's size is only estimated from the source's. */
  private static final long SPARE_BYTES = 64L << 20;

  private DumpRestore() {}

  static CopyResult copy(CopyRequest request, int sourceMajor, int targetMajor, Consumer<Map<String, Object>> progress) {
    Path pgDump = PgTools.find("pg_dump", Math.max(sourceMajor, targetMajor));
    Path pgRestore = pgDump.resolveSibling("pg_restore");
    int jobs = request.copy().jobs();
    if (jobs <= 1) {
      return streamed(request, pgDump, pgRestore, progress);
    }
    String unsuitable;
    try (Connection c = Connections.open(request.source())) {
      unsuitable = ParallelCopy.unsuitable(c);
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("reading the source: " + e.getMessage(), e);
    }
    if (unsuitable != null) {
      progress.accept(Map.of("phase", "dump", "why", unsuitable + ": through a directory dump"));
      return parallel(request, pgDump, pgRestore, jobs, progress);
    }
    Path dir = null;
    try {
      dir = Files.createTempDirectory(workDirectory(), "cutover-schema-");
      return ParallelCopy.copy(request, pgDump, pgRestore, jobs, restoreOptions(request), dir.resolve("schema.dump"),
          progress);
    } catch (IOException e) {
      throw PgTools.copyFailed("schema directory: " + e.getMessage(), e);
    } finally {
      if (dir != null) {
        try {
          Directories.deleteRecursively(dir);
        } catch (IOException e) {
          System.err.println("could not remove " + dir + ": " + e.getMessage());
        }
      }
    }
  }

  private static List<String> restoreOptions(CopyRequest request) {
    List<String> options = new ArrayList<>(List.of("--exit-on-error"));
    if (request.copy().owner() == Copy.Owner.TARGET_USER) {
      options.addAll(List.of("--no-owner", "--no-privileges"));
    }
    return options;
  }

  /**
   * The schema without data, for the {@code logical} strategy: its subscription's initial copy brings
   * the rows. Sequence values are data too, so they stay at their start until the catch-up sets them.
   */
  static CopyResult schemaOnly(CopyRequest request, int sourceMajor, int targetMajor,
      Consumer<Map<String, Object>> progress) {
    Path pgDump = PgTools.find("pg_dump", Math.max(sourceMajor, targetMajor));
    return streamed(request, pgDump, pgDump.resolveSibling("pg_restore"), List.of("--schema-only"), progress);
  }

  /**
   * Some tables' definitions (with their indexes, constraints, triggers and owned sequences) into a target
   * that already holds the rest and is fenced: the logical catch-up's tables created after the publication.
   * {@code tables} are quoted qualified names, which is how {@code pg_dump --table} takes them.
   */
  static void tablesSchema(CopyRequest request, int sourceMajor, int targetMajor, List<String> tables,
      Consumer<Map<String, Object>> progress) {
    Path pgDump = PgTools.find("pg_dump", Math.max(sourceMajor, targetMajor));
    List<String> options = new ArrayList<>(List.of("--schema-only"));
    tables.forEach(t -> options.add("--table=" + t));
    // The mover is the one writer of a fenced database; its sessions opt out of the fence (Fence.asMover).
    streamed(request, pgDump, pgDump.resolveSibling("pg_restore"), options,
        Map.of("PGOPTIONS", "-c default_transaction_read_only=off"), progress);
  }

  private static CopyResult streamed(
      CopyRequest request, Path pgDump, Path pgRestore, Consumer<Map<String, Object>> progress) {
    return streamed(request, pgDump, pgRestore, List.of(), progress);
  }

  private static CopyResult streamed(CopyRequest request, Path pgDump, Path pgRestore, List<String> dumpOptions,
      Consumer<Map<String, Object>> progress) {
    return streamed(request, pgDump, pgRestore, dumpOptions, Map.of(), progress);
  }

  private static CopyResult streamed(CopyRequest request, Path pgDump, Path pgRestore, List<String> dumpOptions,
      Map<String, String> restoreEnv, Consumer<Map<String, Object>> progress) {
    long started = System.nanoTime();
    List<String> dump = new ArrayList<>(List.of(pgDump.toString(), "--format=custom", "--compress=0"));
    dump.addAll(dumpOptions);
    dump.addAll(Connections.libpqArgs(request.source(), null));
    List<String> restore = new ArrayList<>(List.of(pgRestore.toString()));
    restore.addAll(restoreOptions(request));
    restore.add("--single-transaction");
    restore.addAll(Connections.libpqArgs(request.target(), null));

    Process dumper = ProcessRunner.start(dump, Connections.libpqEnv(request.source()));
    Map<String, String> env = new java.util.HashMap<>(Connections.libpqEnv(request.target()));
    env.putAll(restoreEnv);
    Process restorer = ProcessRunner.start(restore, env);
    ProcessRunner.Tail dumpErr = ProcessRunner.Tail.drain(dumper.getErrorStream());
    ProcessRunner.Tail restoreErr = ProcessRunner.Tail.drain(restorer.getErrorStream());
    ProcessRunner.Tail restoreOut = ProcessRunner.Tail.drain(restorer.getInputStream());
    AtomicLong pumped = new AtomicLong();
    // The pump blocks on pg_dump's output: a dump stalled on a lock or a dead link would heartbeat no more.
    Heartbeats.Pulse pulse = Heartbeats.pulse(() -> Map.of("phase", "copy", "bytes", pumped.get()), () -> {
      dumper.destroyForcibly();
      restorer.destroyForcibly();
    });
    try (pulse) {
      long bytes = pump(dumper.getInputStream(), restorer.getOutputStream(), pumped, progress);
      long dumpMillis = (System.nanoTime() - started) / 1_000_000;
      // pg_restore still builds indexes after the last byte arrives: keep heartbeating meanwhile.
      ProcessRunner.waitHeartbeating(dumper, Duration.ofHours(6), "pg_dump");
      ProcessRunner.waitHeartbeating(restorer, Duration.ofHours(6), "pg_restore");
      int dumpExit = dumper.exitValue();
      int restoreExit = restorer.exitValue();
      dumpErr.join();
      restoreErr.join();
      restoreOut.join();
      stopIfStopped(pulse);
      if (dumpExit != 0) {
        throw PgTools.copyFailed("pg_dump exited " + dumpExit + ": " + dumpErr.text(), null);
      }
      if (restoreExit != 0) {
        throw PgTools.copyFailed("pg_restore exited " + restoreExit + ": " + restoreErr.text(), null);
      }
      return new CopyResult(bytes, 0, dumpMillis, (System.nanoTime() - started) / 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PgTools.copyFailed("interrupted", e);
    } catch (IOException e) {
      stopIfStopped(pulse);
      throw CutoverFailure.COPY_FAILED.failure(
          "copy pipe broke: " + e.getMessage() + "; pg_dump: " + dumpErr.text() + "; pg_restore: "
              + restoreErr.text(), e);
    } finally {
      dumper.destroyForcibly();
      restorer.destroyForcibly();
    }
  }

  /** The tools were killed because the activity was cancelled (or its attempt ended): say that, not "failed". */
  private static void stopIfStopped(Heartbeats.Pulse pulse) {
    if (pulse.stopped() != null) {
      throw pulse.stopped();
    }
  }

  private static CopyResult parallel(
      CopyRequest request, Path pgDump, Path pgRestore, int jobs, Consumer<Map<String, Object>> progress) {
    long started = System.nanoTime();
    Path parent = workDirectory();
    long estimate = sourceSize(request);
    long free = usable(parent);
    if (free < estimate + SPARE_BYTES) {
      throw CutoverFailure.COPY_FAILED.failure("not enough room for the dump in " + parent + " on this worker: "
          + free / (1 << 20) + " MB free, the source database takes " + estimate / (1 << 20)
          + " MB; free some space, point java.io.tmpdir elsewhere, or use copy.jobs: 1 (streams, no files)");
    }
    Path dir = null;
    try {
      dir = Files.createTempDirectory(parent, "cutover-dump-");
      Path out = dir.resolve("dump");
      List<String> dump = new ArrayList<>(List.of(pgDump.toString(), "--format=directory", "--compress=0",
          "--jobs=" + jobs, "--file=" + out));
      dump.addAll(Connections.libpqArgs(request.source(), null));
      Path watched = out;
      PgTools.run(dump, Connections.libpqEnv(request.source()), "pg_dump", null,
          () -> progress.accept(Map.of("phase", "dump", "bytesWritten", size(watched))));
      long bytes = size(out);
      long dumpMillis = (System.nanoTime() - started) / 1_000_000;
      int tables = dataFiles(out);

      List<String> restore = new ArrayList<>(List.of(pgRestore.toString(), "--verbose", "--jobs=" + jobs));
      restore.addAll(restoreOptions(request));
      restore.addAll(Connections.libpqArgs(request.target(), null));
      restore.add(out.toString());
      AtomicInteger done = new AtomicInteger();
      PgTools.run(restore, Connections.libpqEnv(request.target()), "pg_restore",
          line -> {
            // pg_restore -j reports each item it finishes; one TABLE DATA item per table read.
            if (line.contains("finished item") && line.contains("TABLE DATA")) {
              done.incrementAndGet();
            }
          },
          () -> progress.accept(Map.of("phase", "restore", "bytesToRead", bytes, "tablesDone", done.get(),
              "tables", tables)));
      progress.accept(Map.of("phase", "restored", "bytes", bytes, "tablesDone", done.get(), "tables", tables));
      return new CopyResult(bytes, 0, dumpMillis, (System.nanoTime() - started) / 1_000_000);
    } catch (IOException e) {
      throw PgTools.copyFailed("dump directory: " + e.getMessage(), e);
    } finally {
      if (dir != null) {
        try {
          Directories.deleteRecursively(dir);
        } catch (IOException e) {
          // Reported, not thrown: a failed cleanup must not hide the copy's own outcome.
          System.err.println("could not remove the dump directory " + dir + ": " + e.getMessage());
        }
      }
    }
  }

  /** Where dumps go: {@code CUTOVER_WORK_DIR} if set, else the JVM's temp directory. */
  private static Path workDirectory() {
    String configured = System.getenv("CUTOVER_WORK_DIR");
    return Path.of(configured != null ? configured : System.getProperty("java.io.tmpdir"));
  }

  private static long usable(Path dir) {
    try {
      return Files.getFileStore(dir).getUsableSpace();
    } catch (IOException e) {
      throw PgTools.copyFailed("cannot check free space in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The source database's size on disk: more than an uncompressed dump of it (no indexes, no bloat). */
  private static long sourceSize(CopyRequest request) {
    try (Connection c = Connections.open(request.source());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_database_size(current_database())")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("sizing the source: " + e.getMessage(), e);
    }
  }

  private static long size(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    } catch (IOException | java.io.UncheckedIOException e) {
      return 0;
    }
  }

  private static int dataFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return (int) files.filter(p -> p.getFileName().toString().endsWith(".dat")).count();
    }
  }

  private static long pump(InputStream from, OutputStream to, AtomicLong pumped,
      Consumer<Map<String, Object>> progress) throws IOException {
    byte[] buffer = new byte[1 << 16];
    long total = 0;
    long lastReport = System.nanoTime();
    try (from; to) {
      for (int n; (n = from.read(buffer)) > 0; ) {
        to.write(buffer, 0, n);
        total += n;
        pumped.set(total);
        if (System.nanoTime() - lastReport > 1_000_000_000L) {
          progress.accept(Map.of("phase", "copy", "bytes", total));
          lastReport = System.nanoTime();
        }
      }
    }
    progress.accept(Map.of("phase", "copy", "bytes", total));
    return total;
  }
}
