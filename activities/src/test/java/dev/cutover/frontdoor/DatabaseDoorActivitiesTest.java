package dev.cutover.frontdoor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.frontdoor.DatabaseDoorActivities.DoorCheck;
import dev.cutover.frontdoor.DatabaseDoorActivities.DoorRequest;
import dev.cutover.frontdoor.DatabaseDoorActivities.DoorResult;
import dev.cutover.plan.Database;
import dev.cutover.plan.DatabaseDoor;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.LocalPgBouncer;
import dev.cutover.testing.PostgresClusters;
import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The database door against a real PgBouncer in front of two real clusters: a client's transactions are
 * held by the hold and land on the target after the switch; a PAUSE that cannot finish is cancelled and
 * leaves clients flowing; the entry's line is rewritten atomically and nothing else in the file changes.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DatabaseDoorActivitiesTest {

  @RegisterExtension static final PostgresClusters clusters = new PostgresClusters();

  private static Database home;
  private static Database arm;
  private final DatabaseDoorActivitiesImpl activities = new DatabaseDoorActivitiesImpl();
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private LocalPgBouncer bouncer;

  @BeforeAll
  static void databases() throws SQLException {
    home = clusters.home().createDatabase("game", c -> identity(c, "home"));
    arm = clusters.arm().createDatabase("game", c -> identity(c, "arm"));
  }

  private static void identity(Connection c, String box) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE box (name text)");
      s.execute("INSERT INTO box VALUES ('" + box + "')");
    }
  }

  @BeforeEach
  void start() {
    bouncer = LocalPgBouncer.start("game", clusters.home(), "game");
  }

  @AfterEach
  void stop() {
    pool.shutdownNow();
    bouncer.close();
  }

  @Test
  void checkReportsWhereTheEntryLeadsAndThePoolMode() {
    DoorCheck check = activities.check(towards("home", home, "arm", arm, door(Duration.ofSeconds(5))));
    assertTrue(check.pointsAtRequested(), check.detail());
    assertEquals("transaction", check.poolMode());
    assertEquals(120, check.queryWaitTimeoutSeconds());
    assertEquals(clusters.home().port(), check.state().port());

    DoorCheck fromArm = activities.check(towards("arm", arm, "home", home, door(Duration.ofSeconds(5))));
    assertFalse(fromArm.pointsAtRequested(), "the entry leads to home, not arm: " + fromArm.detail());
  }

  @Test
  void checkRefusesAWrongPasswordAndAnUnknownEntry() throws Exception {
    Path wrong = Files.createTempFile("cutover-wrong-password", "");
    try {
      Files.writeString(wrong, "not-the-password");
      DatabaseDoor badPassword = new DatabaseDoor(new Database(bouncer.admin().url(), LocalPgBouncer.ADMIN, null,
          wrong.toString()), "game", bouncer.configFile().toString(), Duration.ofSeconds(5));
      ApplicationFailure refused = assertThrows(ApplicationFailure.class,
          () -> activities.check(towards("home", home, "arm", arm, badPassword)));
      assertEquals("AUTH_REJECTED", refused.getType(), refused.getMessage());
    } finally {
      Files.deleteIfExists(wrong);
    }
    DatabaseDoor noSuchEntry = new DatabaseDoor(bouncer.admin(), "chess", bouncer.configFile().toString(),
        Duration.ofSeconds(5));
    ApplicationFailure unknown = assertThrows(ApplicationFailure.class,
        () -> activities.check(towards("home", home, "arm", arm, noSuchEntry)));
    assertEquals("INVALID_PLAN", unknown.getType());
    assertTrue(unknown.getMessage().contains("no database chess"), unknown.getMessage());
  }

  @Test
  void aClientIsHeldThroughTheHoldAndLandsOnTheTarget() throws Exception {
    Path config = bouncer.configFile();
    String before = Files.readString(config);
    PosixFileAttributes attributes = Files.readAttributes(config, PosixFileAttributes.class);
    DatabaseDoor door = door(Duration.ofSeconds(10));
    try (Connection client = DriverManager.getConnection(bouncer.jdbcUrl(), LocalCluster.SUPERUSER, "")) {
      assertEquals("home", box(client));

      DoorResult held = activities.hold(towards("arm", arm, "home", home, door));
      assertTrue(held.state().paused());
      activities.hold(towards("arm", arm, "home", home, door)); // a retried hold changes nothing
      CompletableFuture<String> waiting = CompletableFuture.supplyAsync(() -> boxUnchecked(client), pool);
      sleepWhileNotDone(waiting, 1_000);
      assertFalse(waiting.isDone(), "the client's query must wait while the entry is paused");

      DoorResult switched = activities.pointAt(towards("arm", arm, "home", home, door));
      assertEquals("arm", waiting.get(20, TimeUnit.SECONDS), "the held query lands on the target");
      assertEquals(clusters.arm().port(), switched.state().port());
      assertFalse(switched.state().paused());
      assertTrue(switched.detail().contains("no server connection left"), switched.detail());
      assertEquals("arm", box(client));
    }
    String after = Files.readString(config);
    assertEquals(before.replace("port=" + clusters.home().port(), "port=" + clusters.arm().port()), after,
        "only the entry's port changed (both clusters are on 127.0.0.1, both databases are game)");
    PosixFileAttributes now = Files.readAttributes(config, PosixFileAttributes.class);
    assertEquals(attributes.owner(), now.owner());
    assertEquals(attributes.permissions(), now.permissions());
    try (var files = Files.list(config.getParent())) {
      assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".cutover-")), "no temporary file left");
    }

    DoorResult again = activities.pointAt(towards("arm", arm, "home", home, door));
    assertFalse(again.detail().contains("rewrote"), "pointing where it already points rewrites nothing: " + again.detail());
    activities.pointAt(towards("home", home, "arm", arm, door)); // the rollback
    try (Connection client = DriverManager.getConnection(bouncer.jdbcUrl(), LocalCluster.SUPERUSER, "")) {
      assertEquals("home", box(client));
    }
    assertEquals(before, Files.readString(config), "pointing back restores the file byte for byte");
  }

  @Test
  void aPauseThatCannotFinishIsCancelledAndClientsFlow() throws Exception {
    try (Connection open = DriverManager.getConnection(bouncer.jdbcUrl(), LocalCluster.SUPERUSER, "")) {
      open.setAutoCommit(false);
      assertEquals("home", box(open)); // a transaction left open holds its server connection
      long started = System.nanoTime();
      ApplicationFailure timedOut = assertThrows(ApplicationFailure.class,
          () -> activities.hold(towards("arm", arm, "home", home, door(Duration.ofSeconds(2)))));
      long millis = (System.nanoTime() - started) / 1_000_000;
      assertEquals("PAUSE_TIMED_OUT", timedOut.getType(), timedOut.getMessage());
      assertTrue(timedOut.isNonRetryable());
      assertTrue(timedOut.getMessage().contains("1 server connection(s) busy"), timedOut.getMessage());
      assertTrue(millis < 10_000, "cancelled at the deadline, not left to hang: " + millis + " ms");
      assertFalse(activities.check(towards("home", home, "arm", arm, door(Duration.ofSeconds(2)))).state().paused(),
          "the cancelled PAUSE leaves the entry resumed");
      open.commit();
      try (Connection other = DriverManager.getConnection(bouncer.jdbcUrl(), LocalCluster.SUPERUSER, "")) {
        CompletableFuture<String> query = CompletableFuture.supplyAsync(() -> boxUnchecked(other), pool);
        assertEquals("home", query.get(10, TimeUnit.SECONDS), "a new client is served at once");
      }
    }
  }

  /** What preflight warns about: in session mode an idle client keeps its server connection, so PAUSE cannot finish. */
  @Test
  void inSessionModeAnIdleClientKeepsThePauseFromFinishing() throws Exception {
    try (LocalPgBouncer session = LocalPgBouncer.start("game", clusters.home(), "game", "session");
        Connection idle = DriverManager.getConnection(session.jdbcUrl(), LocalCluster.SUPERUSER, "")) {
      assertEquals("home", box(idle)); // autocommit: no transaction is open, only the session
      DatabaseDoor door = session.door(Duration.ofSeconds(2));
      assertEquals("session", activities.check(towards("home", home, "arm", arm, door)).poolMode());

      ApplicationFailure timedOut = assertThrows(ApplicationFailure.class,
          () -> activities.hold(towards("arm", arm, "home", home, door)));

      assertEquals("PAUSE_TIMED_OUT", timedOut.getType(), timedOut.getMessage());
      assertEquals("home", box(idle), "the session goes on, resumed");
    }
  }

  @Test
  void aRestartedPgBouncerForgetsThePauseAndTheSwitchStillLands() throws Exception {
    DatabaseDoor door = door(Duration.ofSeconds(10));
    activities.hold(towards("arm", arm, "home", home, door));
    bouncer.restart();
    assertFalse(activities.check(towards("home", home, "arm", arm, door)).state().paused());
    activities.pointAt(towards("arm", arm, "home", home, door));
    try (Connection client = DriverManager.getConnection(bouncer.jdbcUrl(), LocalCluster.SUPERUSER, "")) {
      assertEquals("arm", box(client));
    }
    bouncer.restart();
    try (Connection client = DriverManager.getConnection(bouncer.jdbcUrl(), LocalCluster.SUPERUSER, "")) {
      assertEquals("arm", box(client), "the rewritten file survives a restart");
    }
  }

  private DatabaseDoor door(Duration pauseTimeout) {
    return bouncer.door(pauseTimeout);
  }

  private static DoorRequest towards(String box, Database to, String otherBox, Database other, DatabaseDoor door) {
    return new DoorRequest("game", door, box, to, otherBox, other);
  }

  private static String box(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT name FROM box")) {
      r.next();
      return r.getString(1);
    }
  }

  private static String boxUnchecked(Connection c) {
    try {
      return box(c);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Gives a query that should be held the chance to (wrongly) finish; polls, so a wrong answer shows early. */
  private static void sleepWhileNotDone(CompletableFuture<?> future, long millis) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000;
    while (!future.isDone() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }
}
