package dev.cutover.testing;

import dev.cutover.database.PgTools;
import dev.cutover.database.Sql;
import dev.cutover.hosts.ProcessRunner;
import dev.cutover.support.Directories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A throwaway PostgreSQL cluster in a temp directory on a free loopback port, for the demo and tests (test
 * support, shipped in the activities test jar, never in the activities jar itself).
 * PostgreSQL refuses to run as root, so as root every server program runs as the {@code postgres} OS
 * user (or {@code CUTOVER_PG_OS_USER}) through {@code runuser}. Superuser {@code cutover}, trust auth on
 * 127.0.0.1 only. {@link #close()} stops the server and deletes the directory; a JVM shutdown hook does
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
  private final Thread cleanup;
  private boolean running;

  private LocalCluster(String name, Path dir, Path bin, int port, String osUser, String walLevel) {
    this.walLevel = walLevel;
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
    Path bin = PgTools.find("initdb", 0).getParent();
    String osUser = isRoot() ? System.getenv().getOrDefault("CUTOVER_PG_OS_USER", "postgres") : null;
    try {
      Path dir = Files.createTempDirectory("cutover-pg-" + name + "-");
      if (osUser != null) {
        check(ProcessRunner.run(List.of("chown", "-R", osUser, dir.toString()), Map.of(), STEP_TIMEOUT), "chown");
      }
      LocalCluster cluster = new LocalCluster(name, dir, bin, freePort(), osUser, walLevel);
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
        "listen_addresses = '127.0.0.1'",
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

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  public Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(jdbcUrl(database), SUPERUSER, "");
  }

  public void createDatabase(String database) {
    try (Connection c = connect("postgres"); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + Sql.ident(database));
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
      Directories.deleteRecursively(dir);
    } catch (RuntimeException | IOException e) {
      System.err.println("could not clean up cluster " + name + " in " + dir + ": " + e.getMessage());
    }
  }

  private Path data() {
    return dir.resolve("data");
  }

  private ProcessRunner.Result run(List<String> argv) {
    List<String> full = new ArrayList<>();
    if (osUser != null) {
      full.addAll(List.of("runuser", "-u", osUser, "--"));
    }
    full.addAll(argv);
    return ProcessRunner.run(full, Map.of(), STEP_TIMEOUT);
  }

  private static void check(ProcessRunner.Result r, String what) {
    if (r.exitCode() != 0) {
      throw new IllegalStateException(
          what + " failed (exit " + r.exitCode() + "): " + r.stderrTail() + " " + r.stdoutTail());
    }
  }

  private static boolean isRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
