package dev.cutover.demo;

import dev.cutover.cli.EmbeddedTemporal;
import dev.cutover.database.LocalCluster;
import dev.cutover.support.Directories;
import dev.cutover.worker.WorkerApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Everything a local move needs on one machine: two PostgreSQL clusters ("home" with the game's data,
 * "arm" empty), a state directory where "running" services are marker files, the front-door stand-in,
 * the embedded Temporal service and, on request, the Spring Boot worker. Closing it stops and deletes
 * all of it, in reverse order of creation.
 */
public final class DemoWorld implements AutoCloseable {

  public static final String APP = "game";
  public static final String DATABASE = "game";

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private final Path dir;
  private final Path stateDir;
  private LocalCluster home;
  private LocalCluster arm;
  private LocalFrontDoor frontDoor;
  private EmbeddedTemporal temporal;

  private DemoWorld(Path dir) {
    this.dir = dir;
    this.stateDir = dir.resolve("state");
  }

  /** Builds the world; on any failure what was already started is stopped before the error leaves. */
  public static DemoWorld create(int scale, Consumer<String> progress) {
    DemoWorld world;
    try {
      world = new DemoWorld(Files.createTempDirectory("cutover-demo-"));
      Files.createDirectories(world.stateDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      world.build(scale, progress);
      return world;
    } catch (RuntimeException | SQLException | IOException e) {
      world.close();
      throw e instanceof RuntimeException r ? r : new IllegalStateException(e.getMessage(), e);
    }
  }

  private void build(int scale, Consumer<String> progress) throws SQLException, IOException {
    resources.push(() -> Directories.deleteRecursively(dir));
    home = own(LocalCluster.start("home"));
    progress.accept("PostgreSQL box 'home' on 127.0.0.1:" + home.port());
    arm = own(LocalCluster.start("arm"));
    progress.accept("PostgreSQL box 'arm' on 127.0.0.1:" + arm.port() + " (empty)");
    home.createDatabase(DATABASE);
    try (Connection c = home.connect(DATABASE)) {
      GameDatabase.create(c, scale);
    }
    progress.accept("seeded home: profiles " + GameDatabase.PROFILES + ", predictions " + GameDatabase.PREDICTIONS * scale
        + ", trades " + GameDatabase.TRADES * scale + ", stickers " + GameDatabase.STICKERS * scale);
    for (String running : List.of("home-app", "home-nightly-standings", "home-scoring")) {
      Files.createFile(stateDir.resolve(running + ".running"));
    }
    frontDoor = own(new LocalFrontDoor(stateDir, "home",
        Map.of("home", home.jdbcUrl(DATABASE), "arm", arm.jdbcUrl(DATABASE))));
    progress.accept("front door on http://127.0.0.1:" + frontDoor.port() + "/healthz (serving home)");
    temporal = own(EmbeddedTemporal.start(0));
    progress.accept("embedded Temporal service on " + temporal.address());
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
            "--logging.level.dev.cutover=WARN",
            // Pollers complain when the demo stops the worker under them; that is the demo ending.
            "--logging.level.io.temporal=ERROR");
    resources.push(context::close);
  }

  /** The example plan with this world's ports and paths filled in, written next to the state. */
  public Path writePlan(Path template) throws IOException {
    String text = Files.readString(template)
        .replace("{{sourcePort}}", String.valueOf(home.port()))
        .replace("{{targetPort}}", String.valueOf(arm.port()))
        .replace("{{stateDir}}", stateDir.toString())
        .replace("{{healthPort}}", String.valueOf(frontDoor.port()));
    Path plan = dir.resolve("plan.yaml");
    Files.writeString(plan, text);
    return plan;
  }

  public boolean isRunning(String service) {
    return Files.exists(stateDir.resolve(service + ".running"));
  }

  public LocalCluster home() {
    return home;
  }

  public LocalCluster arm() {
    return arm;
  }

  public LocalFrontDoor frontDoor() {
    return frontDoor;
  }

  public EmbeddedTemporal temporal() {
    return temporal;
  }

  public Path stateDir() {
    return stateDir;
  }

  private <T extends AutoCloseable> T own(T resource) {
    resources.push(resource);
    return resource;
  }

  @Override
  public void close() {
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        System.err.println("cleanup: " + e.getMessage());
      }
    }
  }
}
