package dev.cutover.demo;

import dev.cutover.cli.ConnectionOptions;
import dev.cutover.cli.EmbeddedTemporal;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.LocalPgBouncer;
import dev.cutover.support.Directories;
import dev.cutover.worker.WorkerApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.Function;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The story on one machine: two boxes, "home" (the game's data, its app, jobs and nightly writer all
 * running) and "arm" (an empty PostgreSQL, its app and jobs installed but stopped), the boxes' service
 * manager ({@link ControlServer}), the public front door (a real Caddy, or the Cloudflare stand-in), the
 * embedded Temporal service and, on request, the worker, the players and the one-writer monitor.
 * Closing it stops and deletes all of it in reverse order; a shutdown hook closes it if the JVM is
 * interrupted first.
 */
public final class DemoWorld implements AutoCloseable {

  public static final String APP = "game";
  public static final String DATABASE = "game";
  public static final String DB_USER = GameDatabase.USER;
  public static final List<String> BOXES = List.of("home", "arm");
  /** Every service on each box, as the control server and the plan name them ({@code <box>-<service>}). */
  public static final List<String> SERVICES = List.of("app", "odds-freezer", "grader", "nightly-standings");
  static final String MISSING_KEY = "PUSH_SIGNING_KEY";

  public enum FrontDoorKind { CADDY, CLOUDFLARE }

  /**
   * @param hold with Caddy: hold requests during the freeze (the product's caddy front door); without,
   *     a command front door repoints Caddy at the switch and the freeze answers 502
   * @param fullTimeIn when the match in play ends (the settle guards wait for it to be graded)
   * @param gradingDelay how long after full time the grader grades it
   * @param targetMissingKey arm's config file lacks the push signing key, as in the story (preflight blocks)
   * @param propagation how long the Cloudflare edge takes to pick up a change
   * @param databaseDoor a PgBouncer in front of home's database, the plan's databaseDoor, and a writer that
   *     writes through it all the time and that the plan does not stop ({@link DoorWriter})
   * @param appBoot how long each box's app takes to boot before it listens (zero: at once)
   */
  public record Options(int scale, FrontDoorKind frontDoor, boolean hold, Duration fullTimeIn, Duration gradingDelay,
      boolean targetMissingKey, Duration propagation, int playersPerSecond, boolean databaseDoor, Duration appBoot) {

    public Options(int scale, FrontDoorKind frontDoor, boolean hold, Duration fullTimeIn, Duration gradingDelay,
        boolean targetMissingKey, Duration propagation, int playersPerSecond, boolean databaseDoor) {
      this(scale, frontDoor, hold, fullTimeIn, gradingDelay, targetMissingKey, propagation, playersPerSecond,
          databaseDoor, Duration.ZERO);
    }

    public Options(int scale, FrontDoorKind frontDoor, boolean hold, Duration fullTimeIn, Duration gradingDelay,
        boolean targetMissingKey, Duration propagation, int playersPerSecond) {
      this(scale, frontDoor, hold, fullTimeIn, gradingDelay, targetMissingKey, propagation, playersPerSecond, false);
    }

    public static Options demo() {
      return new Options(1, FrontDoorKind.CADDY, true, Duration.ofSeconds(20), Duration.ofSeconds(3), true,
          Duration.ofSeconds(3), 30);
    }

    /** Short schedules for tests: the match ends at once and is graded a second later. */
    public static Options forTests() {
      return new Options(1, FrontDoorKind.CADDY, true, Duration.ofSeconds(1), Duration.ofSeconds(1), false,
          Duration.ofSeconds(2), 25);
    }

    public Options withScale(int newScale) {
      return new Options(newScale, frontDoor, hold, fullTimeIn, gradingDelay, targetMissingKey, propagation,
          playersPerSecond, databaseDoor, appBoot);
    }

    public Options withFrontDoor(FrontDoorKind kind, boolean holding) {
      return new Options(scale, kind, holding, fullTimeIn, gradingDelay, targetMissingKey, propagation,
          playersPerSecond, databaseDoor, appBoot);
    }

    public Options withTargetMissingKey(boolean missing) {
      return new Options(scale, frontDoor, hold, fullTimeIn, gradingDelay, missing, propagation, playersPerSecond,
          databaseDoor, appBoot);
    }

    public Options withAppBoot(Duration boot) {
      return new Options(scale, frontDoor, hold, fullTimeIn, gradingDelay, targetMissingKey, propagation,
          playersPerSecond, databaseDoor, boot);
    }

    public Options withDatabaseDoor(boolean door) {
      return new Options(scale, frontDoor, hold, fullTimeIn, gradingDelay, targetMissingKey, propagation,
          playersPerSecond, door, appBoot);
    }
  }

  /** Arm's app start command in a written plan. */
  private static final java.util.regex.Pattern ARM_APP_START =
      java.util.regex.Pattern.compile("(?m)^(    start: \\[.*/services/arm-app/start\"\\])$");

  /**
   * A written plan, with arm's app declared {@code bootsReadOnly}: the game app only reads as it boots, so a
   * logical move starts it before the freeze.
   */
  public static String withAppStartedAhead(String plan) {
    java.util.regex.Matcher start = ARM_APP_START.matcher(plan);
    if (!start.find()) {
      throw new IllegalArgumentException("the plan has no start command for arm's app");
    }
    return start.replaceFirst("$1\n    bootsReadOnly: true");
  }

  /** A box's writers and jobs in the plan template, up to its config key. */
  private static final java.util.regex.Pattern STOPPED_SERVICES =
      java.util.regex.Pattern.compile("(?ms)^  writers:\n.*?(?=^  config:)");

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private final Path dir;
  private final Options options;
  private final Function<String, LocalCluster> clusters;
  private final Map<String, Supervised> services = new LinkedHashMap<>();
  private final Map<String, GameApp> apps = new LinkedHashMap<>();
  private final Queue<Ledger.Ack> writerAcks = new ConcurrentLinkedQueue<>();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final Thread hook = new Thread(this::close, "stop-demo-world");
  private LocalCluster home;
  private LocalCluster arm;
  private ControlServer control;
  private CaddyProxy caddy;
  private CloudflareStandIn cloudflare;
  private EmbeddedTemporal temporal;
  private Players players;
  private OneWriterMonitor monitor;
  private LocalPgBouncer pgbouncer;
  private DoorWriter doorWriter;
  private long playersStarted;
  private boolean closed;

  private DemoWorld(Path dir, Options options, Function<String, LocalCluster> clusters) {
    this.dir = dir;
    this.options = options;
    this.clusters = clusters;
  }

  /** The story's size, Caddy holding, arm's config complete: what most tests want. */
  public static DemoWorld create(int scale, Consumer<String> progress) {
    return create(Options.forTests().withScale(scale), progress);
  }

  /** Builds the world; on any failure what was already started is stopped before the error leaves. */
  public static DemoWorld create(Options options, Consumer<String> progress) {
    return create(options, LocalCluster::start, progress);
  }

  /**
   * With each box's PostgreSQL made by {@code clusters} (given the box's name), for a world whose boxes are
   * elsewhere than loopback; the world owns and closes them.
   */
  public static DemoWorld create(Options options, Function<String, LocalCluster> clusters,
      Consumer<String> progress) {
    DemoWorld world;
    try {
      world = new DemoWorld(Files.createTempDirectory("cutover-demo-"), options, clusters);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime().addShutdownHook(world.hook);
    try {
      world.build(progress);
      return world;
    } catch (RuntimeException | SQLException | IOException e) {
      world.close();
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    }
  }

  private void build(Consumer<String> progress) throws SQLException, IOException {
    resources.push(() -> Directories.deleteRecursively(dir));
    home = own(clusters.apply("home"));
    arm = own(clusters.apply("arm"));
    progress.accept("PostgreSQL box 'home' on " + home.host() + ":" + home.port() + ", box 'arm' on " + arm.host()
        + ":" + arm.port()
        + " (empty)");
    home.createDatabase(DATABASE);
    try (Connection c = home.connect(DATABASE)) {
      GameDatabase.create(c, options.scale(), options.fullTimeIn());
      if (options.databaseDoor()) {
        DoorWriter.createTable(c);
      }
    }
    int scale = options.scale();
    progress.accept("seeded home: profiles " + GameDatabase.PROFILES + ", predictions "
        + GameDatabase.PREDICTIONS * scale + ", trades " + GameDatabase.TRADES * scale + ", stickers "
        + GameDatabase.STICKERS * scale + "; match in play until +" + options.fullTimeIn().toSeconds() + " s");
    if (options.databaseDoor()) {
      pgbouncer = own(LocalPgBouncer.start(DATABASE, home, DATABASE));
      progress.accept("database door: PgBouncer on 127.0.0.1:" + pgbouncer.port()
          + ", entry " + DATABASE + " leading to home; home's jobs, nightly writer and an admin script write"
          + " through it, and the plan stops only the app");
    }
    writeConfigs();
    for (String box : BOXES) {
      LocalCluster cluster = cluster(box);
      String url = cluster.jdbcUrl(DATABASE);
      GameApp app = new GameApp(box, url, freePort(), options.appBoot().toMillis());
      apps.put(box, app);
      // Behind the door, home's jobs and nightly writer go through PgBouncer and the plan stops none of them.
      String jobsUrl = pgbouncer != null && box.equals("home") ? pgbouncer.jdbcUrl() : url;
      Consumer<String> log = line -> progress.accept("[" + box + "] " + line);
      for (Supervised s : List.of(app,
          new PeriodicJob(box + "-odds-freezer", jobsUrl, 200, GameJobs.oddsFreezer(), log),
          new PeriodicJob(box + "-grader", jobsUrl, 200, GameJobs.grader(options.gradingDelay().toMillis()), log),
          new PeriodicJob(box + "-nightly-standings", jobsUrl, 1000, GameJobs.nightlyWriter(writerAcks::add),
              log))) {
        services.put(s.name(), s);
      }
    }
    resources.push(() -> services.values().forEach(Supervised::stop));
    for (String service : SERVICES) {
      services.get("home-" + service).start();
    }
    control = own(new ControlServer(services, this::pointCommandDoor));
    progress.accept("home: app on 127.0.0.1:" + apps.get("home").port() + ", odds freezer, grader, nightly writer"
        + " running; arm: app (127.0.0.1:" + apps.get("arm").port() + ") and jobs installed, stopped");
    if (options.frontDoor() == FrontDoorKind.CADDY) {
      caddy = own(CaddyProxy.start(Prerequisites.caddy(), dir.resolve("caddy"), freePort(), freePort(),
          apps.get("home").port()));
      progress.accept("front door: Caddy on " + caddy.publicUrl() + (options.hold()
          ? " (holds requests during the freeze)" : " (no hold: the freeze answers 502)"));
    } else {
      Files.writeString(tokenFile(), "demo-" + Long.toHexString(System.nanoTime()));
      cloudflare = own(new CloudflareStandIn(Files.readString(tokenFile()), origin("home"), options.propagation()));
      progress.accept("front door: Cloudflare stand-in, edge " + cloudflare.edgeUrl() + ", API "
          + cloudflare.apiBaseUrl() + " (changes reach the edge over " + options.propagation().toSeconds() + " s)");
    }
    temporal = own(EmbeddedTemporal.start(0));
    // Commands run in this JVM share stubs per address; this service's die with it.
    String temporalAddress = temporal.address();
    resources.push(() -> ConnectionOptions.release(temporalAddress));
    progress.accept("embedded Temporal service on " + temporal.address());
  }

  private void writeConfigs() throws IOException {
    String common = "DATABASE_URL=postgres://127.0.0.1/game\nSTICKER_PACK_SIZE=5\n";
    Files.createDirectories(dir.resolve("home"));
    Files.createDirectories(dir.resolve("arm"));
    Files.writeString(config("home"), common + MISSING_KEY + "=home-push-key-not-shown\nBOX=home\n");
    Files.writeString(config("arm"), common + (options.targetMissingKey() ? "" : MISSING_KEY + "=arm-push-key\n")
        + "BOX=arm\n");
  }

  /** The story's fix: the push signing key added to arm's config file. */
  public void addMissingConfigKey() throws IOException {
    Files.writeString(config("arm"), Files.readString(config("arm")) + MISSING_KEY + "=arm-push-key\n");
  }

  /** The demo's plan template, {@code examples/local-move.yaml} in this checkout. */
  public static Path planTemplate() {
    return Checkout.root().resolve("examples/local-move.yaml");
  }

  /** The Spring Boot worker, in this JVM, polling the embedded service. */
  public void startWorker() {
    // Command-line arguments, because they outrank application.yaml (builder properties do not).
    ConfigurableApplicationContext context = new SpringApplicationBuilder(WorkerApplication.class)
        .logStartupInfo(false)
        .run(
            "--spring.temporal.connection.target=" + temporal.address(),
            "--server.port=0",
            "--cutover.temporal.embedded=true",
            // Sticky queues, as on a real Temporal server: this worker dies only with the embedded service
            // in this JVM, so no workflow can be stranded on its queue (NOTES.md), and the freeze is spared
            // a replay of the whole history at every step (190 ms of scheduling at S, bench).
            "--cutover.temporal.sticky-queues=on",
            "--logging.level.dev.cutover=WARN",
            // Pollers complain when the demo stops the worker under them; that is the demo ending.
            "--logging.level.io.temporal=ERROR");
    resources.push(context::close);
  }

  /** The plan template with this world's ports, paths and front door filled in. */
  public Path writePlan(Path template) throws IOException {
    String controlUrl = "http://127.0.0.1:" + control.port();
    String text = Files.readString(template)
        .replace("{{frontDoor}}", frontDoorYaml())
        // Clusters made elsewhere than loopback (in a network namespace) are named by their own address.
        .replace("127.0.0.1:{{sourcePort}}", home.host() + ":{{sourcePort}}")
        .replace("127.0.0.1:{{targetPort}}", arm.host() + ":{{targetPort}}")
        .replace("{{sourcePort}}", String.valueOf(home.port()))
        .replace("{{targetPort}}", String.valueOf(arm.port()))
        .replace("{{control}}", controlUrl)
        .replace("{{homeAppPort}}", String.valueOf(apps.get("home").port()))
        .replace("{{armAppPort}}", String.valueOf(apps.get("arm").port()))
        .replace("{{homeConfig}}", config("home").toString())
        .replace("{{armConfig}}", config("arm").toString())
        .replace("{{publicUrl}}", publicUrl().toString());
    if (pgbouncer != null) {
      // Home's jobs and nightly writer reach the database through PgBouncer, which carries them over to arm:
      // the plan stops and starts none of them (arm's stay stopped, so each runs once), only the app.
      text = STOPPED_SERVICES.matcher(text).replaceAll("");
      text += "\n# PgBouncer in front of home's database: its clients are held through the freeze and land on arm.\n"
          + pgbouncer.planYaml(Duration.ofSeconds(10));
    }
    Path plan = dir.resolve("plan.yaml");
    Files.writeString(plan, text);
    return plan;
  }

  private String frontDoorYaml() {
    String control = "http://127.0.0.1:" + this.control.port();
    if (cloudflare != null) {
      return "{type: cloudflare-tunnel, mode: ingress, accountId: " + CloudflareStandIn.ACCOUNT
          + ", tunnelId: " + CloudflareStandIn.TUNNEL + ", hostname: " + CloudflareStandIn.HOSTNAME
          + ", sourceService: \"" + origin("home") + "\", targetService: \"" + origin("arm") + "\""
          + ", tokenFile: \"" + tokenFile() + "\", apiBaseUrl: \"" + cloudflare.apiBaseUrl() + "\"}";
    }
    if (options.hold()) {
      // Caddy's connections to arm, one request each: twice the app's request threads keeps every thread
      // busy with one request queued behind it, and the rest of the burst held through the freeze waits
      // in Caddy, not in the app.
      return "{type: caddy, adminUrl: \"" + caddy.adminUrl() + "\", routeId: " + CaddyProxy.ROUTE_ID
          + ", targetUpstream: \"127.0.0.1:" + apps.get("arm").port() + "\", holdFor: 30s, maxConnections: "
          + 2 * GameApp.THREADS + "}";
    }
    return "{type: command, switch: [curl, -fsS, -X, POST, \"" + control + "/front-door/arm\"],"
        + " revert: [curl, -fsS, -X, POST, \"" + control + "/front-door/home\"]}";
  }

  private void pointCommandDoor(String box) {
    if (caddy == null || !apps.containsKey(box)) {
      throw new IllegalArgumentException("no such box behind this front door: " + box);
    }
    caddy.pointAt(apps.get(box).port());
  }

  // ---- players, the monitor and the report ----

  /** The friends start playing through the front door, and the one-writer monitor starts sampling. */
  public void startPlayers() throws SQLException {
    List<Integer> open = new ArrayList<>();
    try (Connection c = home.connect(DATABASE); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM matches WHERE kickoff > now() + interval '10 minutes'")) {
      while (rs.next()) {
        open.add(rs.getInt(1));
      }
    }
    monitor = own(new OneWriterMonitor(BOXES, this::acceptsWrites).start());
    if (pgbouncer != null) {
      doorWriter = own(new DoorWriter(pgbouncer.jdbcUrl(), DB_USER,
          Map.of(home.port(), "home", arm.port(), "arm")).start());
    }
    players = own(new Players(publicUrl(), options.playersPerSecond(), open));
    playersStarted = System.currentTimeMillis();
    players.start();
  }

  public int acknowledgedSoFar() {
    return players == null ? 0 : players.acknowledgedSoFar() + writerAcks.size()
        + (doorWriter == null ? 0 : doorWriter.acknowledgedSoFar());
  }

  /**
   * Stops the players (every outstanding answer is awaited), stops the monitor, and looks every
   * acknowledged write up on the box that is live now.
   *
   * @param copyEnded when the final copy ended (its rows were committed before), or null if none ran
   */
  public DemoReport finish(String outcome, Instant copyEnded, Long estimatedBlackoutMillis) throws SQLException {
    Players.Result played = players.stop();
    OneWriterMonitor.Result watched = monitor.stop();
    String live = BOXES.stream().filter(this::acceptsWrites).findFirst().orElse("home");
    List<Ledger.Ack> acks = new ArrayList<>(played.acknowledged());
    int writerRuns = writerAcks.size();
    acks.addAll(writerAcks);
    Ledger.Lookup lookup;
    DoorWriter.Result door = null;
    try (Connection c = cluster(live).connect(DATABASE)) {
      lookup = Ledger.lookUp(c, acks);
      if (doorWriter != null) {
        door = doorWriter.stop(c);
      }
    }
    Blackout blackout = new Blackout(null, null);
    // A completed move's source is the box not live now: home for a move, arm for a rollback after one.
    boolean moved = live.equals("arm") || "COMPLETED".equals(outcome);
    if (copyEnded != null && moved) {
      try (Connection source = cluster(live.equals("arm") ? "home" : "arm").connect(DATABASE);
          Connection target = cluster(live).connect(DATABASE)) {
        blackout = Blackout.measure(source, target, copyEnded);
      }
    }
    return new DemoReport(outcome, live, blackout.millis(),
        blackout.lastSourceCommit() == null ? null : blackout.lastSourceCommit().toString(),
        blackout.firstTargetCommit() == null ? null : blackout.firstTargetCommit().toString(),
        estimatedBlackoutMillis, played.sent(), played.held(), played.failed(), played.resent(),
        played.slowestMillis(),
        played.acknowledged().size(), writerRuns, lookup.acknowledged(), lookup.found(), lookup.lost().size(),
        lookup.lost().stream().limit(10).map(Object::toString).toList(), watched.samples(),
        watched.violations().size(), played.failures(), System.currentTimeMillis() - playersStarted, door);
  }

  public OneWriterMonitor.Result monitorSoFar() {
    return monitor.result();
  }

  /**
   * A box accepts writes when a new session on its database, opened as the app's would be, is not read-only
   * (the fence sets {@code default_transaction_read_only} on the database, which every new session inherits),
   * whether or not its app runs right now: a stray job, a started app or a script could write there. The
   * target must therefore stay fenced from its creation until the switch, pre-sync included.
   */
  public boolean acceptsWrites(String box) {
    try (Connection c = DriverManager.getConnection(cluster(box).jdbcUrl(DATABASE), DB_USER, "");
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW default_transaction_read_only")) {
      rs.next();
      return "off".equals(rs.getString(1));
    } catch (SQLException down) {
      return false;
    }
  }

  /** Which box answers at the public address now (its {@code X-Served-By}), or null if none does. */
  public String servedBy() {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(publicUrl().resolve("/healthz"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? r.headers().firstValue("X-Served-By").orElse(null) : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  public boolean isRunning(String service) {
    Supervised s = services.get(service);
    if (s == null) {
      throw new IllegalArgumentException("no service " + service + "; there are " + services.keySet());
    }
    return s.running();
  }

  public URI publicUrl() {
    return caddy != null ? caddy.publicUrl() : cloudflare.edgeUrl();
  }

  /** The database door, when the world has one. */
  public LocalPgBouncer pgbouncer() {
    return pgbouncer;
  }

  public LocalCluster home() {
    return home;
  }

  public LocalCluster arm() {
    return arm;
  }

  public LocalCluster cluster(String box) {
    return box.equals("home") ? home : arm;
  }

  public EmbeddedTemporal temporal() {
    return temporal;
  }

  public Options options() {
    return options;
  }

  /** The boxes' service manager, where the plan's stop and start commands and job checks go. */
  public URI controlUrl() {
    return URI.create("http://127.0.0.1:" + control.port());
  }

  /** The port of {@code box}'s app on loopback, where its plan check asks for {@code /healthz}. */
  public int appPort(String box) {
    return apps.get(box).port();
  }

  /** Caddy's admin API, where the plan's caddy front door is driven from, when the world has Caddy. */
  public URI caddyAdminUrl() {
    return caddy == null ? null : caddy.adminUrl();
  }

  /** The Cloudflare stand-in, when the world has one. */
  public CloudflareStandIn cloudflare() {
    return cloudflare;
  }

  public Path dir() {
    return dir;
  }

  private Path config(String box) {
    return dir.resolve(box).resolve(".env");
  }

  /** Where the Cloudflare stand-in's API token lives; the plan names this file, never the token. */
  public Path tokenFile() {
    return dir.resolve("cloudflare-token");
  }

  private String origin(String box) {
    return "http://127.0.0.1:" + apps.get(box).port();
  }

  private <T extends AutoCloseable> T own(T resource) {
    resources.push(resource);
    return resource;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        System.err.println("cleanup: " + e.getMessage());
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is what is closing us
    }
  }

  private static int freePort() throws IOException {
    return dev.cutover.testing.Ports.free();
  }
}
