package dev.cutover.bench;

import dev.cutover.verify.FingerprintActivities.FingerprintRequest;
import dev.cutover.database.FingerprintActivitiesImpl;
import dev.cutover.database.Sql;
import dev.cutover.demo.GameDatabase;
import dev.cutover.plan.Verify;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Our fingerprint of every game table against the story's {@code md5(string_agg(t::text, '' ORDER BY id))}
 * over the same tables, one side, alternating run by run. Memory is sampled while each runs: the JVM's
 * heap in use, and the peak resident set ({@code VmHWM}) of the database backend serving the query.
 */
public final class FingerprintBench {

  /** One method at one size; {@code failure} when it could not finish (string_agg past 1 GB). */
  public record Figures(String method, boolean ours, Stats seconds, Stats mbPerSecond, Stats heapMb,
      Stats backendPeakMb, String failure) {}

  private final BenchDatabase db;
  private final FingerprintActivitiesImpl activities = new FingerprintActivitiesImpl();

  public FingerprintBench(BenchDatabase db) {
    this.db = db;
  }

  public List<Figures> measure(int runs, Consumer<String> progress) {
    Series ours = new Series("ours: binary COPY + SHA-256 in chunks, 2 connections on one snapshot", true);
    Series story = new Series("md5(string_agg(t::text, '' ORDER BY id)) per table", false);
    for (int run = 1; run <= runs; run++) {
      ours.run(() -> activities.fingerprint(new FingerprintRequest("home", db.database(), Verify.ALL)), progress, run);
      story.run(this::stringAgg, progress, run);
    }
    return List.of(ours.figures(), story.figures());
  }

  private void stringAgg() throws SQLException {
    try (Connection c = db.cluster().connect(db.name()); Statement s = c.createStatement()) {
      for (String table : GameDatabase.TABLES) {
        try (ResultSet rs = s.executeQuery("SELECT md5(string_agg(t::text, '' ORDER BY id)) FROM "
            + Sql.ident(table) + " AS t")) {
          rs.next();
        } catch (SQLException e) {
          throw new SQLException("on " + table + ": " + e.getMessage(), e);
        }
      }
    }
  }

  @FunctionalInterface
  interface Work {
    void run() throws Exception;
  }

  private final class Series {
    final String method;
    final boolean ours;
    final List<Double> seconds = new ArrayList<>();
    final List<Double> heap = new ArrayList<>();
    final List<Double> backend = new ArrayList<>();
    String failure;

    Series(String method, boolean ours) {
      this.method = method;
      this.ours = ours;
    }

    void run(Work work, Consumer<String> progress, int run) {
      if (failure != null) {
        return;
      }
      System.gc();
      try (MemorySampler sampler = new MemorySampler(db)) {
        long started = System.nanoTime();
        work.run();
        double took = (System.nanoTime() - started) / 1e9;
        seconds.add(took);
        heap.add(sampler.heapPeakMb());
        backend.add(sampler.backendPeakMb());
        progress.accept(String.format("fingerprint %s run %d: %s %.2f s", db.size().name(), run, method, took));
      } catch (Exception e) {
        failure = e.getMessage() == null ? e.toString() : e.getMessage();
        progress.accept("fingerprint " + method + " failed: " + failure);
      }
    }

    Figures figures() {
      return new Figures(method, ours, Stats.of(seconds),
          Stats.of(seconds.stream().map(s -> db.tableMb() / s).toList()), Stats.of(heap), Stats.of(backend), failure);
    }
  }

  /**
   * Samples every 20 ms: heap in use (garbage included, so an upper bound on what the work needs), and the
   * VmHWM of every client backend on the database other than the sampler's own. VmHWM is a high-water
   * mark, so a sample late in the run already sees the run's peak; it includes the shared buffers the
   * backend touched (at most {@code shared_buffers}, 64 MB on these clusters).
   */
  static final class MemorySampler implements AutoCloseable {
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long heapPeak;
    private volatile long backendPeakKb;

    MemorySampler(BenchDatabase db) throws SQLException {
      Connection c = db.cluster().connect(db.name());
      thread = new Thread(() -> {
        try (c; Statement s = c.createStatement()) {
          while (running) {
            heapPeak = Math.max(heapPeak, memory.getHeapMemoryUsage().getUsed());
            try (ResultSet rs = s.executeQuery("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                + " AND backend_type = 'client backend' AND pid <> pg_backend_pid()")) {
              while (rs.next()) {
                backendPeakKb = Math.max(backendPeakKb, vmHwmKb(rs.getInt(1)));
              }
            }
            Thread.sleep(20);
          }
        } catch (SQLException | InterruptedException e) {
          // The run ended under the sampler: what it saw so far stands.
        }
      }, "bench-memory");
      thread.setDaemon(true);
      thread.start();
    }

    double heapPeakMb() {
      return heapPeak / 1e6;
    }

    double backendPeakMb() {
      return backendPeakKb * 1024 / 1e6;
    }

    private static long vmHwmKb(int pid) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
          if (line.startsWith("VmHWM:")) {
            return Long.parseLong(line.replaceAll("\\D+", ""));
          }
        }
      } catch (IOException | RuntimeException gone) {
        // The backend ended between the query and the read.
      }
      return 0;
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join(2_000);
    }
  }
}
