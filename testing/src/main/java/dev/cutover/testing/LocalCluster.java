package dev.cutover.testing;

import dev.cutover.plan.Database;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL cluster in a temp directory on a free loopback port (or, with {@link #startIn}, on
 * a network namespace's address), for the demo and tests (its own module: never part of what moves a real
 * database).
 * PostgreSQL refuses to run as root, so as root every server program runs as the {@code postgres} OS
 * user (or {@code CUTOVER_PG_OS_USER}) through {@code runuser}. Superuser {@code cutover}, trust auth on
 * 127.0.0.1 (and the site's client network) only. {@link #close()} stops the server and deletes the directory; a JVM shutdown hook does
 * the same if the caller never gets to.
 */
public final class LocalCluster implements AutoCloseable {

  public static final String SUPERUSER = "cutover";
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);

  private final String name;
  private final Path dir;
  private final Path bin;
  private final int port;
  private final String osUser;
  private final String walLevel;
  private final Site site;
  private final Thread cleanup;
  private boolean running;

  /**
   * Where a cluster runs: a network namespace ({@code ip netns}), the one address it listens on there, and the
   * network its clients come from (trusted like loopback). The default is the host's loopback.
   */
  public record Site(String namespace, String address, String clients) {
    static final Site LOOPBACK = new Site(null, "127.0.0.1", null);
  }

  private LocalCluster(String name, Path dir, Path bin, int port, String osUser, String walLevel, Site site) {
    this.walLevel = walLevel;
    this.site = site;
    this.name = name;
    this.dir = dir;
    this.bin = bin;
    this.port = port;
    this.osUser = osUser;
    this.cleanup = new Thread(this::closeQuietly, "stop-cluster-" + name);
  }

  /** initdb and start; the caller owns the result and must close it. */
  public static LocalCluster start(String name) {
    return start(name, "logical");
  }

  /** With another {@code wal_level} ({@code replica}, {@code minimal}), as a source not ready for logical. */
  public static LocalCluster start(String name, String walLevel) {
    return start(name, walLevel, Site.LOOPBACK, null);
  }

  /**
   * In a network namespace, listening only on {@code site}'s address at {@code port} (the namespace has its own
   * ports, so a fixed one is fine); its programs run through {@code ip netns exec}.
   */
  public static LocalCluster startIn(String name, Site site, int port) {
    return start(name, "logical", site, port);
  }

  private static LocalCluster start(String name, String walLevel, Site site, Integer fixedPort) {
    Path bin = serverPrograms();
    String osUser = isRoot() ? System.getenv().getOrDefault("CUTOVER_PG_OS_USER", "postgres") : null;
    try {
      Path dir = Files.createTempDirectory("cutover-pg-" + name + "-");
      if (osUser != null) {
        check(exec(List.of("chown", "-R", osUser, dir.toString())), "chown");
      }
      LocalCluster cluster = new LocalCluster(name, dir, bin,
          fixedPort != null ? fixedPort : freePort(), osUser, walLevel, site);
      Runtime.getRuntime().addShutdownHook(cluster.cleanup);
      cluster.init();
      cluster.startServer();
      return cluster;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void init() throws IOException {
    check(run(List.of(bin.resolve("initdb").toString(), "-D", data().toString(), "-U", SUPERUSER,
        "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")), "initdb");
    // Settings go in the config file rather than through pg_ctl -o, which pg_ctl hands to a shell.
    String conf = String.join("\n",
        "port = " + port,
        "listen_addresses = '" + site.address() + "'",
        "unix_socket_directories = '" + dir + "'",
        "fsync = off",
        "synchronous_commit = off",
        "full_page_writes = off",
        "wal_level = " + walLevel,
        // minimal WAL allows no WAL senders; the others keep the default of 10.
        "minimal".equals(walLevel) ? "max_wal_senders = 0" : "",
        // A new subscription's workers otherwise wait up to 5 s after another one started (the default):
        // fine for a real move's pre-sync, slow for tests that start many.
        "wal_retrieve_retry_interval = '200ms'",
        "max_connections = 60",
        "shared_buffers = 64MB",
        "track_commit_timestamp = on",
        "");
    // Appending keeps the file's owner (the server's OS user) even when written by root.
    Files.writeString(data().resolve("postgresql.conf"), conf, StandardOpenOption.APPEND);
    if (site.clients() != null) {
      Files.writeString(data().resolve("pg_hba.conf"), "host all all " + site.clients() + " trust\n"
          + "host replication all " + site.clients() + " trust\n", StandardOpenOption.APPEND);
    }
  }

  public void startServer() {
    check(run(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-l",
        dir.resolve("server.log").toString(), "-w", "-t", "60", "start")), "pg_ctl start");
    running = true;
  }

  /** Stops the server (fast shutdown), keeping the data. */
  public void stopServer() {
    if (running) {
      check(run(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-m", "fast", "-w", "stop")),
          "pg_ctl stop");
      running = false;
    }
  }

  /** Kills the server outright, as a crash would. */
  public void kill() {
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-m", "immediate", "-w", "stop"));
    running = false;
  }

  public String name() {
    return name;
  }

  public int port() {
    return port;
  }

  /** The address it listens on: 127.0.0.1, or its namespace's address. */
  public String host() {
    return site.address();
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://" + site.address() + ":" + port + "/" + database;
  }

  public Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(jdbcUrl(database), SUPERUSER, "");
  }

  /** The database as a plan names it: this cluster's address, the superuser, no password (trust auth). */
  public Database database(String database) {
    return new Database(jdbcUrl(database), SUPERUSER, null, null);
  }

  /** What a test puts into a database it creates. */
  @FunctionalInterface
  public interface Fill {
    void into(Connection c) throws SQLException;
  }

  /** Creates {@code database}, fills it, and returns it as a plan names it. */
  public Database createDatabase(String database, Fill fill) throws SQLException {
    createDatabase(database);
    try (Connection c = connect(database)) {
      fill.into(c);
    }
    return database(database);
  }

  public void createDatabase(String database) {
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE \"" + database.replace("\"", "\"\"") + "\"");
    } catch (SQLException e) {
      throw new IllegalStateException("creating " + database + " on " + name + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    closeQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException alreadyShuttingDown) {
      // The hook is running or ran; nothing to remove.
    }
  }

  private synchronized void closeQuietly() {
    try {
      if (Files.exists(data())) {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data().toString(), "-m", "immediate", "-w", "stop"));
      }
      running = false;
      if (Files.exists(dir)) {
        try (Stream<Path> paths = Files.walk(dir)) {
          // Deepest first, so each directory is empty when its turn comes.
          paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    } catch (RuntimeException | IOException e) {
      System.err.println("could not clean up cluster " + name + " in " + dir + ": " + e.getMessage());
    }
  }

  private Path data() {
    return dir.resolve("data");
  }

  private Output run(List<String> argv) {
    List<String> full = new ArrayList<>();
    if (site.namespace() != null) {
      full.addAll(List.of("ip", "netns", "exec", site.namespace()));
    }
    if (osUser != null) {
      full.addAll(List.of("runuser", "-u", osUser, "--"));
    }
    full.addAll(argv);
    return exec(full);
  }

  /** A program's exit code and the end of what it printed (stdout and stderr together). */
  private record Output(int exitCode, String tail) {}

  /** Runs an argument list (no shell) to its end, its output in a file rather than a pipe nobody drains. */
  private static Output exec(List<String> argv) {
    try {
      Path out = Files.createTempFile("cutover-pg-", ".out");
      try {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean ended = process.waitFor(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        if (!ended) {
          process.destroyForcibly();
        }
        String text = Files.readString(out);
        String tail = text.substring(Math.max(0, text.length() - 600)).strip();
        return new Output(ended ? process.exitValue() : -1, ended ? tail : tail + " (timed out)");
      } finally {
        Files.deleteIfExists(out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + argv.get(0), e);
    }
  }

  private static void check(Output r, String what) {
    if (r.exitCode() != 0) {
      throw new IllegalStateException(what + " failed (exit " + r.exitCode() + "): " + r.tail());
    }
  }

  /**
   * Where initdb and pg_ctl are: {@code CUTOVER_PG_BIN}, else the newest Debian PostgreSQL
   * ({@code /usr/lib/postgresql/N/bin}, server programs are not on PATH there), else PATH.
   */
  private static Path serverPrograms() {
    List<Path> candidates = new ArrayList<>();
    String configured = System.getenv("CUTOVER_PG_BIN");
    if (configured != null) {
      candidates.add(Path.of(configured));
    }
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      versions.filter(v -> v.getFileName().toString().matches("\\d+"))
          .sorted(Comparator.comparingInt((Path v) -> Integer.parseInt(v.getFileName().toString())).reversed())
          .forEach(v -> candidates.add(v.resolve("bin")));
    } catch (IOException notDebian) {
      // No versioned directories: PATH may still have them.
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      candidates.add(Path.of(dir.isEmpty() ? "." : dir));
    }
    return candidates.stream().filter(dir -> Files.isExecutable(dir.resolve("initdb"))).findFirst()
        .orElseThrow(() -> new IllegalStateException("no initdb in " + candidates
            + ": install the PostgreSQL server (apt-get install postgresql) or set CUTOVER_PG_BIN"));
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static int freePort() throws IOException {
    return Ports.free();
  }
}
