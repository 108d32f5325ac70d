package dev.cutover.realapps;

import dev.cutover.database.PgTools;
import dev.cutover.demo.Supervised;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A writer that bypasses the app: pgbench, in short batches, each transaction inserting one row
 * {@code (run, client, n)} into a table of its own in the app's schema, as the app's role. A batch is a
 * separate pgbench run ({@code -t}), so its per-transaction log ({@code --log}) is complete when it exits:
 * pgbench buffers that log and loses it when killed (measured: SIGTERM after 3 s left an empty file with 51
 * rows committed). Stopping lets the batch under way finish, so stop means no more writes.
 *
 * <p>A logged line {@code client tx ...} of run {@code r} is an acknowledged transaction, and it must be the
 * row {@code (r, client, tx)}: the script counts {@code n} up from {@code -D n=0} once per transaction, and
 * pgbench numbers a client's transactions from 1 (checked on 15.18).
 */
final class Pgbench implements Supervised {

  static final String TABLE = "bench_ledger";
  private static final int CLIENTS = 2;
  private static final int PER_CLIENT = 10;
  private static final int RATE = 20;

  /** One logged transaction. */
  record Tx(int run, int client, int n) {}

  private final String name;
  private final int port;
  private final String database;
  private final String role;
  private final Path script;
  private final Path logs;
  private final AtomicInteger runs;
  private final AtomicInteger failedBatches = new AtomicInteger();
  private volatile Thread loop;
  private volatile boolean stopping;

  /**
   * @param schema where the app keeps its tables: the ledger goes beside them
   * @param runs shared by both boxes' writers, so run numbers never repeat
   */
  Pgbench(String name, int port, String database, String role, String schema, Path dir, AtomicInteger runs) {
    this.name = name;
    this.port = port;
    this.database = database;
    this.role = role;
    this.runs = runs;
    this.logs = dir.resolve("pgbench-logs");
    this.script = dir.resolve(name + ".sql");
    try {
      Files.createDirectories(logs);
      Files.writeString(script, "\\set n :n + 1\nINSERT INTO " + quote(schema) + "." + TABLE
          + " (run, client, n) VALUES (:run, :client_id, :n);\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The ledger table, created by the app's role on the source before anything runs. */
  static void createTable(Connection asAppRole, String schema) throws SQLException {
    try (var s = asAppRole.createStatement()) {
      s.execute("CREATE TABLE " + quote(schema) + "." + TABLE + " (run int NOT NULL, client int NOT NULL,"
          + " n int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp(), PRIMARY KEY (run, client, n))");
    }
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public synchronized void start() {
    if (loop != null && loop.isAlive()) {
      return;
    }
    stopping = false;
    loop = new Thread(this::batches, name);
    loop.setDaemon(true);
    loop.start();
  }

  private void batches() {
    while (!stopping) {
      int run = runs.incrementAndGet();
      List<String> argv = List.of(PgTools.find("pgbench", 0).toString(), "-h", "127.0.0.1", "-p", String.valueOf(port),
          "-U", role, "-n", "-c", String.valueOf(CLIENTS), "-j", "1", "-R", String.valueOf(RATE),
          "-t", String.valueOf(PER_CLIENT), "-f", script.toString(), "-D", "run=" + run, "-D", "n=0",
          "--log", "--log-prefix=" + logs.resolve("run" + run), database);
      try {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(name + ".out").toFile())).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
        }
        if (p.exitValue() != 0) {
          failedBatches.incrementAndGet();
          AppProcess.pause(200);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Override
  public void stop() {
    Thread t = loop;
    stopping = true;
    if (t != null) {
      try {
        t.join(TimeUnit.SECONDS.toMillis(90));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean running() {
    Thread t = loop;
    return t != null && t.isAlive();
  }

  /** Batches that exited non-zero (a refused connection, a read-only database). */
  int failedBatches() {
    return failedBatches.get();
  }

  /** Every transaction pgbench logged as committed, in every run of either box. */
  static List<Tx> logged(Path dir) {
    List<Tx> out = new ArrayList<>();
    Path logs = dir.resolve("pgbench-logs");
    try (Stream<Path> files = Files.exists(logs) ? Files.list(logs) : Stream.empty()) {
      for (Path file : files.filter(f -> f.getFileName().toString().matches("run\\d+\\.\\d+(\\.\\d+)?")).toList()) {
        int run = Integer.parseInt(file.getFileName().toString().replaceAll("^run(\\d+)\\..*$", "$1"));
        for (String line : Files.readAllLines(file)) {
          String[] f = line.trim().split("\\s+");
          // client_id transaction_no time script_no time_epoch time_us [schedule_lag]; a failed one has no time
          if (f.length >= 4 && f[2].matches("\\d+")) {
            out.add(new Tx(run, Integer.parseInt(f[0]), Integer.parseInt(f[1])));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** The logged transactions whose row is not in {@code live}. */
  static List<Tx> missing(Connection live, String schema, List<Tx> logged) throws SQLException {
    Set<Tx> present = new HashSet<>();
    try (PreparedStatement s = live.prepareStatement("SELECT run, client, n FROM " + quote(schema) + "." + TABLE
        + " WHERE run = ANY(?)")) {
      Array runs = live.createArrayOf("int", logged.stream().map(Tx::run).distinct().toArray());
      s.setArray(1, runs);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          present.add(new Tx(rs.getInt(1), rs.getInt(2), rs.getInt(3)));
        }
      }
    }
    return logged.stream().filter(t -> !present.contains(t)).toList();
  }

  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
