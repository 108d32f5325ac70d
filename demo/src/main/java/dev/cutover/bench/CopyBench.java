package dev.cutover.bench;

import dev.cutover.database.CopyActivities.CopyRequest;
import dev.cutover.database.CopyActivitiesImpl;
import dev.cutover.testing.LocalCluster;
import dev.cutover.database.PgTools;
import dev.cutover.database.Sql;
import dev.cutover.plan.Copy;
import dev.cutover.plan.Database;
import dev.cutover.support.Directories;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Copies one source database into a durable target (fsync on) with each tool in turn, round after round,
 * so the machine's changing load falls on every tool alike; each copy is checked by its row count and
 * dropped before the next.
 */
public final class CopyBench {

  /** One way to copy; {@code command} is what the page shows. */
  public record Tool(String name, String command, boolean ours, Copier copier) {}

  @FunctionalInterface
  public interface Copier {
    void copy(String targetDatabase) throws Exception;
  }

  /** One tool at one size: seconds and MB/s of table data, or why it failed. */
  public record Figures(String tool, String command, boolean ours, Stats seconds, Stats mbPerSecond, String failure) {}

  private final BenchDatabase source;
  private final LocalCluster target;
  private final Path work;
  private final Path bin;

  public CopyBench(BenchDatabase source, LocalCluster target, Path work) {
    this.source = source;
    this.target = target;
    this.work = work;
    this.bin = PgTools.find("pg_dump", 15).getParent();
  }

  /** Makes the target as durable as a real server: the clusters start with fsync off for speed. */
  public static void makeDurable(LocalCluster cluster) throws SQLException {
    try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement()) {
      s.execute("ALTER SYSTEM SET fsync = on");
      s.execute("ALTER SYSTEM SET synchronous_commit = on");
      s.execute("ALTER SYSTEM SET full_page_writes = on");
      s.execute("SELECT pg_reload_conf()");
    }
  }

  public List<Tool> tools(boolean withPgcopydb) {
    CopyActivitiesImpl activities = new CopyActivitiesImpl();
    List<Tool> tools = new ArrayList<>();
    for (int jobs : new int[] {1, 2}) {
      tools.add(new Tool("ours, dump-restore jobs=" + jobs + (jobs == 1 ? " (streamed pg_dump | pg_restore)" : " (COPY pipes)"),
          "CopyActivitiesImpl.copy, copy: {strategy: dump-restore, jobs: " + jobs + "}", true,
          db -> activities.copy(new CopyRequest("bench", "bench-copy", "home", source.database(), "arm",
              new Database(target.jdbcUrl(db), LocalCluster.SUPERUSER, null, null),
              new Copy(Copy.Strategy.DUMP_RESTORE, jobs, Copy.Owner.TARGET_USER)))));
    }
    tools.add(new Tool("pg_dump -Fc | pg_restore", "pg_dump -Fc SRC | pg_restore --no-owner --no-privileges -d DST",
        false, db -> {
          create(db);
          List<ProcessBuilder> pipeline = List.of(
              process(List.of(tool("pg_dump"), "-Fc", "-d", uri(source.cluster(), source.name())), "pg_dump")
                  .redirectOutput(ProcessBuilder.Redirect.PIPE),
              process(List.of(tool("pg_restore"), "--no-owner", "--no-privileges", "-d", uri(target, db)),
                  "pg_restore"));
          await(ProcessBuilder.startPipeline(pipeline), "pg_dump | pg_restore");
        }));
    tools.add(new Tool("pg_dump -Fd -j2 + pg_restore -j2",
        "pg_dump -Fd -j2 -f DIR SRC && pg_restore -j2 --no-owner --no-privileges -d DST DIR", false, db -> {
          create(db);
          Path dir = work.resolve("dump-" + db);
          try {
            await(List.of(process(List.of(tool("pg_dump"), "-Fd", "-j2", "-f", dir.toString(), "-d",
                uri(source.cluster(), source.name())), "pg_dump").start()), "pg_dump -Fd");
            await(List.of(process(List.of(tool("pg_restore"), "-j2", "--no-owner", "--no-privileges", "-d",
                uri(target, db), dir.toString()), "pg_restore").start()), "pg_restore -j2");
          } finally {
            Directories.deleteRecursively(dir);
          }
        }));
    if (withPgcopydb) {
      tools.add(new Tool("pgcopydb clone", "pgcopydb clone --table-jobs 2 --index-jobs 2 --no-owner --no-acl", false,
          db -> {
            create(db);
            Path dir = work.resolve("pgcopydb-" + db);
            try {
              await(List.of(process(List.of("pgcopydb", "clone", "--source", uri(source.cluster(), source.name()),
                  "--target", uri(target, db), "--table-jobs", "2", "--index-jobs", "2", "--no-owner", "--no-acl",
                  "--dir", dir.toString()), "pgcopydb").start()), "pgcopydb clone");
            } finally {
              Directories.deleteRecursively(dir);
            }
          }));
    }
    return tools;
  }

  public static boolean pgcopydbInstalled() {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "pgcopydb"))) {
        return true;
      }
    }
    return false;
  }

  /** {@code runs} rounds over every tool. */
  public List<Figures> measure(List<Tool> tools, int runs, Consumer<String> progress) throws SQLException {
    Map<Tool, List<Double>> seconds = new LinkedHashMap<>();
    Map<Tool, String> failures = new LinkedHashMap<>();
    tools.forEach(t -> seconds.put(t, new ArrayList<>()));
    for (int run = 1; run <= runs; run++) {
      for (Tool tool : tools) {
        if (failures.containsKey(tool)) {
          continue;
        }
        String db = "bench_copy";
        drop(db);
        long started = System.nanoTime();
        try {
          tool.copier().copy(db);
          double took = (System.nanoTime() - started) / 1e9;
          long rows = BenchDatabase.rows(target, db);
          if (rows != source.rows()) {
            throw new IllegalStateException("copied " + rows + " rows of " + source.rows());
          }
          seconds.get(tool).add(took);
          progress.accept(String.format("copy %s run %d: %s %.2f s", source.size().name(), run, tool.name(), took));
        } catch (Exception e) {
          failures.put(tool, e.getMessage() == null ? e.toString() : e.getMessage());
          progress.accept("copy " + tool.name() + " failed: " + failures.get(tool));
        } finally {
          drop(db);
        }
      }
    }
    List<Figures> out = new ArrayList<>();
    for (Tool tool : tools) {
      List<Double> s = seconds.get(tool);
      out.add(new Figures(tool.name(), tool.command(), tool.ours(), Stats.of(s),
          Stats.of(s.stream().map(x -> source.tableMb() / x).toList()), failures.get(tool)));
    }
    return out;
  }

  private void create(String db) {
    target.createDatabase(db);
  }

  private void drop(String db) throws SQLException {
    try (Connection c = target.connect("postgres"); Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + Sql.ident(db) + " WITH (FORCE)");
    }
  }

  private String tool(String name) {
    return bin.resolve(name).toString();
  }

  private static String uri(LocalCluster cluster, String db) {
    return "postgresql://" + LocalCluster.SUPERUSER + "@127.0.0.1:" + cluster.port() + "/" + db;
  }

  private ProcessBuilder process(List<String> argv, String log) {
    ProcessBuilder pb = new ProcessBuilder(argv);
    // pgcopydb finds pg_dump and pg_restore on the PATH: the same ones as the other tools.
    pb.environment().put("PATH", bin + File.pathSeparator + System.getenv().getOrDefault("PATH", "/usr/bin"));
    pb.redirectError(work.resolve(log + ".err").toFile());
    // Nobody reads a tool's output, so it goes to a file rather than filling a pipe; a pipeline's first
    // stage gets PIPE back from startPipeline's caller below.
    pb.redirectOutput(work.resolve(log + ".out").toFile());
    return pb;
  }

  private void await(List<Process> processes, String what) throws InterruptedException {
    for (Process p : processes) {
      if (!p.waitFor(2, TimeUnit.HOURS)) {
        p.destroyForcibly();
        throw new IllegalStateException(what + " did not finish in 2 hours");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(what + " exited " + p.exitValue() + "; see " + work);
      }
    }
  }
}
