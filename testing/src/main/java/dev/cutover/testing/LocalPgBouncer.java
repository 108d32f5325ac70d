package dev.cutover.testing;

import dev.cutover.plan.Database;
import dev.cutover.plan.DatabaseDoor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A throwaway PgBouncer (Debian's package) in a temp directory on a free loopback port, with one database
 * entry leading to a {@link LocalCluster}'s database. Clients log in as the cluster's superuser without a
 * password (trust, as the cluster does); the admin console wants {@link #ADMIN} with a random password kept
 * in a file, so a plan names it with {@code passwordFile} as a real one would. PgBouncer will not run as
 * root, so as root it runs as the {@code postgres} OS user, like the clusters. {@link #close()} stops it
 * and deletes the directory; a JVM shutdown hook does the same if the caller never gets to.
 */
public final class LocalPgBouncer implements AutoCloseable {

  public static final String ADMIN = "cutover_admin";
  private static final Path PROGRAM = Path.of("/usr/sbin/pgbouncer");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

  private final String entry;
  private final Path dir;
  private final int port;
  private final String osUser;
  private final Thread cleanup;
  private Process process;

  private LocalPgBouncer(String entry, Path dir, int port, String osUser) {
    this.entry = entry;
    this.dir = dir;
    this.port = port;
    this.osUser = osUser;
    this.cleanup = new Thread(this::closeQuietly, "stop-pgbouncer-" + entry);
  }

  /** PgBouncer with the entry {@code entry} leading to {@code database} on {@code cluster}; transaction pooling. */
  public static LocalPgBouncer start(String entry, LocalCluster cluster, String database) {
    return start(entry, cluster, database, "transaction");
  }

  public static LocalPgBouncer start(String entry, LocalCluster cluster, String database, String poolMode) {
    if (!Files.isExecutable(PROGRAM)) {
      throw new IllegalStateException(PROGRAM + " is missing: install pgbouncer (scripts/prerequisites test)");
    }
    String osUser = "root".equals(System.getProperty("user.name"))
        ? System.getenv().getOrDefault("CUTOVER_PG_OS_USER", "postgres") : null;
    try {
      Path dir = Files.createTempDirectory("cutover-pgbouncer-" + entry + "-");
      LocalPgBouncer bouncer = new LocalPgBouncer(entry, dir, freePort(), osUser);
      Runtime.getRuntime().addShutdownHook(bouncer.cleanup);
      bouncer.configure(cluster.port(), database, poolMode);
      bouncer.startServer();
      return bouncer;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void configure(int serverPort, String database, String poolMode) throws IOException {
    String password = UUID.randomUUID().toString();
    Files.writeString(dir.resolve("admin-password"), password);
    // Trust still wants the user listed in auth_file; the server behind trusts it too, so no password.
    Files.writeString(dir.resolve("users.txt"), "\"" + ADMIN + "\" \"" + password + "\"\n\""
        + LocalCluster.SUPERUSER + "\" \"\"\n");
    Files.writeString(dir.resolve("hba.conf"), String.join("\n",
        "host pgbouncer " + ADMIN + " 127.0.0.1/32 md5",
        "host all " + LocalCluster.SUPERUSER + " 127.0.0.1/32 trust",
        ""));
    Files.writeString(configFile(), String.join("\n",
        "[databases]",
        entry + " = host=127.0.0.1 port=" + serverPort + " dbname=" + database,
        "",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        "listen_port = " + port,
        "unix_socket_dir =",
        "auth_type = hba",
        "auth_hba_file = " + dir.resolve("hba.conf"),
        "auth_file = " + dir.resolve("users.txt"),
        "admin_users = " + ADMIN,
        "pool_mode = " + poolMode,
        // PgJDBC sends it at startup; without this PgBouncer refuses every JDBC client.
        "ignore_startup_parameters = extra_float_digits",
        "max_client_conn = 200",
        "default_pool_size = 20",
        // A server that refused a login is retried after this (default 15 s): a box that restarts comes back fast.
        "server_login_retry = 1",
        "query_wait_timeout = 120",
        "logfile = " + dir.resolve("pgbouncer.log"),
        "pidfile = " + dir.resolve("pgbouncer.pid"),
        ""));
    if (osUser != null) {
      exec(List.of("chown", "-R", osUser, dir.toString()));
    }
  }

  /** Starts PgBouncer on its port (again, after {@link #stopServer()}), reading the config file as it is now. */
  public synchronized void startServer() {
    List<String> argv = new ArrayList<>();
    if (osUser != null) {
      argv.addAll(List.of("runuser", "-u", osUser, "--"));
    }
    argv.addAll(List.of(PROGRAM.toString(), configFile().toString()));
    try {
      process = new ProcessBuilder(argv).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile())).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!accepts()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("PgBouncer did not start on port " + port + ": " + log());
      }
      sleep(50);
    }
  }

  /** Stops PgBouncer at once (SIGTERM: immediate shutdown, every client cut off), keeping its files. */
  public synchronized void stopServer() {
    pid().ifPresent(pid -> exec(List.of("kill", "-TERM", Long.toString(pid))));
    if (process != null) {
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          pid().ifPresent(pid -> exec(List.of("kill", "-KILL", Long.toString(pid))));
          process.waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
    try {
      Files.deleteIfExists(dir.resolve("pgbouncer.pid"));
    } catch (IOException ignored) {
      // PgBouncer refuses to start over a live pidfile only; a stale one is harmless.
    }
  }

  /** As a crash and a service manager's restart would: down, then up on the same port and config. */
  public void restart() {
    stopServer();
    startServer();
  }

  public String entry() {
    return entry;
  }

  public int port() {
    return port;
  }

  /**
   * How clients connect: through PgBouncer, to the entry. {@code prepareThreshold=0}: PgBouncer 1.18 in
   * transaction mode does not carry a named prepared statement from one server connection to the next.
   */
  public String jdbcUrl() {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + entry + "?prepareThreshold=0";
  }

  /** The entry as a plan's database names it: through PgBouncer, the cluster's superuser. */
  public Database clients() {
    return new Database(jdbcUrl(), LocalCluster.SUPERUSER, null, null);
  }

  /** The admin console, with the password file's path (never the password). */
  public Database admin() {
    return new Database("jdbc:postgresql://127.0.0.1:" + port + "/pgbouncer", ADMIN, null,
        dir.resolve("admin-password").toString());
  }

  public Path configFile() {
    return dir.resolve("pgbouncer.ini");
  }

  /** The plan's databaseDoor for this PgBouncer. */
  public DatabaseDoor door(Duration pauseTimeout) {
    return new DatabaseDoor(admin(), entry, configFile().toString(), pauseTimeout);
  }

  /** {@link #door} as a plan file's top-level {@code databaseDoor} key. */
  public String planYaml(Duration pauseTimeout) {
    Database admin = admin();
    return String.join("\n",
        "databaseDoor:",
        "  admin: {url: \"" + admin.url() + "\", user: " + admin.user() + ", passwordFile: \"" + admin.passwordFile()
            + "\"}",
        "  entry: " + entry,
        "  configFile: \"" + configFile() + "\"",
        "  pauseTimeout: " + pauseTimeout.toMillis() + "ms",
        "");
  }

  /** The end of PgBouncer's log, for a failure message. */
  public String log() {
    try {
      Path log = dir.resolve("pgbouncer.log");
      String text = Files.exists(log) ? Files.readString(log) : "";
      Path out = dir.resolve("stdout.log");
      text += Files.exists(out) ? Files.readString(out) : "";
      return text.substring(Math.max(0, text.length() - 1500));
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
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
      stopServer();
      if (Files.exists(dir)) {
        try (Stream<Path> paths = Files.walk(dir)) {
          paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    } catch (RuntimeException | IOException e) {
      System.err.println("could not clean up PgBouncer in " + dir + ": " + e.getMessage());
    }
  }

  private Optional<Long> pid() {
    try {
      Path file = dir.resolve("pgbouncer.pid");
      return Files.exists(file) ? Optional.of(Long.parseLong(Files.readString(file).strip())) : Optional.empty();
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private boolean accepts() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void exec(List<String> argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static int freePort() throws IOException {
    return Ports.free();
  }
}
