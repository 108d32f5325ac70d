package dev.cutover.realapps;

import dev.cutover.cli.ConnectionOptions;
import dev.cutover.cli.EmbeddedTemporal;
import dev.cutover.testing.LocalCluster;
import dev.cutover.demo.CaddyProxy;
import dev.cutover.demo.ControlServer;
import dev.cutover.demo.OneWriterMonitor;
import dev.cutover.demo.Prerequisites;
import dev.cutover.demo.Supervised;
import dev.cutover.support.Directories;
import dev.cutover.worker.WorkerApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A real app on two boxes: "home" (its database, its server and the pgbench writer running) and "arm"
 * (an empty PostgreSQL with the app's role, the app configured but stopped), each box's service manager
 * (the demo's {@link ControlServer}), a real Caddy as the public front door, the embedded Temporal service
 * and the worker. The load, the one-writer monitor and the plan are added on request. Closing it stops
 * and deletes all of it in reverse order.
 */
final class AppWorld implements AutoCloseable {

  static final List<String> BOXES = List.of("home", "arm");

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private final RealApp app;
  private final Path dir;
  private final Map<String, Box> boxes = new LinkedHashMap<>();
  private final Map<String, Supervised> services = new LinkedHashMap<>();
  private final AtomicInteger pgbenchRuns = new AtomicInteger();
  private final Thread hook = new Thread(this::close, "stop-app-world");
  private ControlServer control;
  private CaddyProxy caddy;
  private EmbeddedTemporal temporal;
  private Load load;
  private OneWriterMonitor monitor;
  private long installMillis;
  private boolean closed;

  private AppWorld(RealApp app, Path dir) {
    this.app = app;
    this.dir = dir;
  }

  static AppWorld create(RealApp app) throws Exception {
    AppWorld world = new AppWorld(app, Files.createTempDirectory("cutover-" + app.name() + "-"));
    Runtime.getRuntime().addShutdownHook(world.hook);
    try {
      world.build();
      return world;
    } catch (Exception | Error e) {
      world.close();
      throw e;
    }
  }

  private void build() throws Exception {
    resources.push(() -> Directories.deleteRecursively(dir));
    resources.push(app);
    for (String name : BOXES) {
      LocalCluster cluster = own(LocalCluster.start(name));
      Path boxDir = Files.createDirectories(dir.resolve(name));
      boxes.put(name, new Box(name, cluster, boxDir, freePort()));
    }
    int adminPort = freePort();
    int publicPort = freePort();
    URI publicUrl = URI.create("http://127.0.0.1:" + publicPort);
    long started = System.nanoTime();
    app.install(home(), arm(), publicUrl);
    installMillis = (System.nanoTime() - started) / 1_000_000;
    for (Box box : boxes.values()) {
      services.put(box.name() + "-app", app.process(box));
      services.put(box.name() + "-pgbench", new Pgbench(box.name() + "-pgbench", box.cluster().port(), app.database(),
          app.role(), app.schema(), dir, pgbenchRuns));
    }
    resources.push(() -> services.values().forEach(Supervised::stop));
    services.get("home-app").start();
    services.get("home-pgbench").start();
    control = own(new ControlServer(services, box -> {
      throw new IllegalArgumentException("this world's front door is the caddy type; nothing to point by command");
    }));
    caddy = own(CaddyProxy.start(Prerequisites.caddy(), dir.resolve("caddy"), adminPort, publicPort,
        home().appPort()));
    temporal = own(EmbeddedTemporal.start(0));
    String address = temporal.address();
    resources.push(() -> ConnectionOptions.release(address));
  }

  /** The Spring Boot worker, in this JVM, polling the embedded service. */
  void startWorker() {
    ConfigurableApplicationContext context = new SpringApplicationBuilder(WorkerApplication.class)
        .logStartupInfo(false)
        .run("--spring.temporal.connection.target=" + temporal.address(), "--server.port=0",
            "--cutover.temporal.embedded=true",
            "--cutover.temporal.sticky-queues=on", // in this JVM with the service, as DemoWorld's
            "--logging.level.dev.cutover=WARN", "--logging.level.io.temporal=ERROR");
    resources.push(context::close);
  }

  /**
   * The plan, as an operator would write it for this app: the mover connects as the clusters' superuser,
   * the app keeps its own role, so owners and grants are kept ({@code copy.owner: keep}); each box's app
   * and writer are stopped and started through its service manager.
   *
   * @param copy the plan's {@code copy} mapping, e.g. {@code {strategy: logical, owner: keep}}
   */
  Path writePlan(String copy) throws IOException {
    String control = "http://127.0.0.1:" + this.control.port();
    StringBuilder plan = new StringBuilder("app: " + app.name() + "\n");
    for (Box box : boxes.values()) {
      String side = box.name().equals("home") ? "source" : "target";
      plan.append(side).append(":\n")
          .append("  name: ").append(box.name()).append('\n')
          .append("  database: {url: \"").append(box.jdbcUrl(app.database())).append("\", user: ")
          .append(LocalCluster.SUPERUSER).append("}\n")
          .append("  host: {exec: local}\n")
          .append("  app:\n")
          .append(command("    stop", control, box.name() + "-app/stop"))
          .append(command("    start", control, box.name() + "-app/start"))
          .append("    check: {url: \"http://127.0.0.1:").append(box.appPort()).append(app.healthPath()).append("\"}\n")
          .append("  writers:\n")
          .append("    - name: pgbench\n")
          .append(command("      stop", control, box.name() + "-pgbench/stop"))
          .append(command("      start", control, box.name() + "-pgbench/start"))
          .append("      check: {url: \"").append(control).append("/services/").append(box.name()).append("-pgbench\"}\n");
    }
    plan.append("copy: ").append(copy).append('\n')
        .append("verify: {tables: all}\n")
        // A held request waits while the target app boots: Redmine takes 7 to 17 s here.
        .append("frontDoor: {type: caddy, adminUrl: \"").append(caddy.adminUrl()).append("\", routeId: ")
        .append(CaddyProxy.ROUTE_ID).append(", targetUpstream: \"127.0.0.1:").append(arm().appPort())
        .append("\", holdFor: 120s}\n")
        .append("health:\n")
        .append("  url: \"").append(publicUrl()).append(app.healthPath()).append("\"\n")
        .append("  expectHeader: {X-Served-By: arm}\n")
        .append("  expectBody: '").append(app.healthBody()).append("'\n")
        .append("  consecutive: 5\n  interval: 200ms\n  timeout: 3m\n")
        .append("confirm: {staleAfter: 24h}\n");
    Path file = dir.resolve("plan.yaml");
    Files.writeString(file, plan);
    return file;
  }

  private static String command(String key, String control, String path) {
    return key + ": [curl, -fsS, -X, POST, \"" + control + "/services/" + path + "\"]\n";
  }

  /** The users start writing through the front door, and the one-writer monitor starts sampling. */
  void startLoad(int clients, double perSecond) throws Exception {
    List<RealApp.Client> sessions = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      sessions.add(app.client(publicUrl()));
    }
    monitor = own(new OneWriterMonitor(BOXES, this::acceptsWrites).start());
    load = own(new Load(sessions, perSecond));
    load.start();
  }

  int acknowledgedSoFar() {
    return load == null ? 0 : load.acknowledgedSoFar();
  }

  Load.Result stopLoad() {
    return load.stop();
  }

  OneWriterMonitor.Result stopMonitor() {
    return monitor.stop();
  }

  /**
   * A box accepts the app's writes when its app is up and a new session as the app's role can write: not
   * refused (the fence's connection limit), not read-only by default.
   */
  boolean acceptsWrites(String box) {
    if (!services.get(box + "-app").running()) {
      return false;
    }
    Box b = boxes.get(box);
    try (Connection c = DriverManager.getConnection(b.jdbcUrl(app.database()), app.role(), Box.APP_PASSWORD);
        Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW default_transaction_read_only")) {
      rs.next();
      return "off".equals(rs.getString(1));
    } catch (SQLException refused) {
      return false;
    }
  }

  boolean isRunning(String service) {
    return services.get(service).running();
  }

  AppProcess appProcess(String box) {
    return (AppProcess) services.get(box + "-app");
  }

  Pgbench pgbench(String box) {
    return (Pgbench) services.get(box + "-pgbench");
  }

  Connection connect(String box) throws SQLException {
    return boxes.get(box).cluster().connect(app.database());
  }

  Connection connectAsApp(String box) throws SQLException {
    return boxes.get(box).connectAs(app.role(), app.database());
  }

  RealApp app() {
    return app;
  }

  Box home() {
    return boxes.get("home");
  }

  Box arm() {
    return boxes.get("arm");
  }

  URI publicUrl() {
    return caddy.publicUrl();
  }

  String temporalAddress() {
    return temporal.address();
  }

  Path dir() {
    return dir;
  }

  long installMillis() {
    return installMillis;
  }

  /** Copies the apps', Caddy's and pgbench's logs out of the world's directory before it is deleted. */
  void keepLogs(Path to) {
    try (var files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile)
          .filter(f -> f.toString().matches(".*\\.(log|out)$") && !f.toString().contains("/data/")).toList()) {
        Path copy = to.resolve(dir.relativize(f));
        Files.createDirectories(copy.getParent());
        Files.copy(f, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      System.err.println("could not keep the logs: " + e.getMessage());
    }
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
    try {
      return dev.cutover.testing.Ports.free();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
