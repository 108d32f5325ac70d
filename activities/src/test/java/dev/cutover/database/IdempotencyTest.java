package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.database.CopyActivities.CopyRequest;
import dev.cutover.verify.FingerprintActivities.FingerprintRequest;
import dev.cutover.database.DatabaseActivities.InspectRequest;
import dev.cutover.database.DatabaseActivities.TargetRequest;
import dev.cutover.frontdoor.FrontDoorActivities;
import dev.cutover.frontdoor.FrontDoorActivitiesImpl;
import dev.cutover.hosts.HostActivities;
import dev.cutover.hosts.HostActivitiesImpl;
import dev.cutover.plan.Copy;
import dev.cutover.plan.Database;
import dev.cutover.plan.FrontDoor;
import dev.cutover.plan.Host;
import dev.cutover.plan.Verify;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.SharedClusters;
import dev.cutover.testing.SmallGame;
import dev.cutover.verify.Comparisons;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every step may run again: after a worker died in it, or after it finished but its result was lost.
 * Each test runs a step twice, or once after a simulated partial first attempt, and checks the end state.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class IdempotencyTest {

  @RegisterExtension static final SharedClusters clusters = new SharedClusters();
  @TempDir Path dir;

  private static LocalCluster home;
  private static LocalCluster arm;
  private static Database source;
  private static int tests;
  /** Each test its own target database: one test marks its target live, which no later step may touch. */
  private Database target;
  private String targetName;
  private final DatabaseActivitiesImpl db = new DatabaseActivitiesImpl();
  private final CopyActivitiesImpl copies = new CopyActivitiesImpl();
  private final FingerprintActivitiesImpl fingerprints = new FingerprintActivitiesImpl();

  @org.junit.jupiter.api.BeforeEach
  void ownTarget() {
    targetName = "game_" + (++tests);
    target = new Database(arm.jdbcUrl(targetName), LocalCluster.SUPERUSER, null, null);
  }

  @BeforeAll
  static void world() throws Exception {
    home = clusters.home();
    arm = clusters.arm();
    home.createDatabase("game");
    try (Connection c = home.connect("game")) {
      SmallGame.create(c, 2_000);
    }
    source = new Database(home.jdbcUrl("game"), LocalCluster.SUPERUSER, null, null);
  }

  @Test
  void aCopyOverAHalfRestoredTargetEndsIdentical() throws Exception {
    db.prepareTarget(new TargetRequest("game", "run-1", "arm", target));
    // What a worker killed mid-restore leaves: some tables, some rows, the marker. Written as the mover
    // writes (the target is fenced against everyone else from its creation).
    try (Connection c = arm.connect(targetName); Statement s = c.createStatement()) {
      s.execute("SET default_transaction_read_only = off");
      s.execute("CREATE TABLE profiles (id int PRIMARY KEY, name text)");
      s.execute("INSERT INTO profiles VALUES (1, 'half')");
    }

    copies.copy(new CopyRequest("game", "run-1", "home", source, "arm", target, Copy.DEFAULT));

    assertTrue(Comparisons.allMatch(Comparisons.compare(fingerprint(source), fingerprint(target))));
  }

  @Test
  void aCopyAfterACrashBetweenCreatingAndMarkingTheTargetSucceeds() throws Exception {
    db.dropTarget(new TargetRequest("game", "run-2", "arm", target));
    // A worker that died after CREATE DATABASE but before the marker leaves only the reserved name.
    arm.createDatabase(Markers.buildingName(targetName));

    copies.copy(new CopyRequest("game", "run-2", "home", source, "arm", target, Copy.DEFAULT));
    copies.copy(new CopyRequest("game", "run-2", "home", source, "arm", target, Copy.DEFAULT));

    assertTrue(Comparisons.allMatch(Comparisons.compare(fingerprint(source), fingerprint(target))));
    assertFalse(db.inspect(new InspectRequest("arm", new Database(arm.jdbcUrl(Markers.buildingName(targetName)),
        LocalCluster.SUPERUSER, null, null))).exists(), "the half-built leftover is gone");
  }

  @Test
  void anEmptyTargetMadeAheadIsTakenAsItIsByTheCopyButAHalfRestoredOneIsNot() throws Exception {
    CopyRequest request = new CopyRequest("game", "run-6", "home", source, "arm", target, Copy.DEFAULT);
    db.prepareTarget(new TargetRequest("game", "run-6", "arm", target));
    copies.copy(request);
    long rehearsal = oid(targetName);

    CopyActivities.SpareTarget emptied = copies.prepareSpare(request);
    long empty = oid(targetName);
    assertEquals(targetName, emptied.database());
    assertTrue(empty != rehearsal, "the rehearsal's copy is replaced");
    assertEquals(0, tables(targetName), "made empty");
    assertEquals(-1, oid(Markers.buildingName(targetName)));

    copies.copy(request);
    // The copy went into the very database made ahead: no drop, no CREATE DATABASE.
    assertEquals(empty, oid(targetName));
    assertTrue(Comparisons.allMatch(Comparisons.compare(fingerprint(source), fingerprint(target))));

    // A restore cut short leaves the target marked copied, never empty: the retry starts from a new database.
    copies.prepareSpare(request);
    long second = oid(targetName);
    try (Connection c = arm.connect("postgres"); Statement s = c.createStatement()) {
      s.execute("COMMENT ON DATABASE " + Sql.ident(targetName) + " IS "
          + Sql.literal(Markers.of("game", "run-6", Markers.COPIED)));
    }
    copies.copy(request);
    assertTrue(oid(targetName) != second, "a target not marked empty is recreated");
    assertTrue(Comparisons.allMatch(Comparisons.compare(fingerprint(source), fingerprint(target))));

    // Another move's empty target is not this move's: recreated too.
    copies.prepareSpare(request);
    long third = oid(targetName);
    copies.copy(new CopyRequest("game", "run-7", "home", source, "arm", target, Copy.DEFAULT));
    assertTrue(oid(targetName) != third, "another move's empty target is recreated");
  }

  private static int tables(String database) throws Exception {
    try (Connection c = arm.connect(database); Statement s = c.createStatement();
        java.sql.ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_class c JOIN pg_namespace n"
            + " ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** The database's oid, or -1 if there is none by that name. */
  private static long oid(String database) throws Exception {
    try (Connection c = arm.connect("postgres");
        java.sql.PreparedStatement ps = c.prepareStatement("SELECT oid FROM pg_database WHERE datname = ?")) {
      ps.setString(1, database);
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : -1;
      }
    }
  }

  @Test
  void aForeignDatabaseIsReplacedOnlyOnceThePlanLetsTheMoveClaimIt() throws Exception {
    arm.createDatabase(targetName);
    try (Connection c = arm.connect(targetName); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE someone_elses (id int)");
    }
    TargetRequest request = new TargetRequest("game", "run-5", "arm", target);
    io.temporal.failure.ApplicationFailure refused = org.junit.jupiter.api.Assertions.assertThrows(
        io.temporal.failure.ApplicationFailure.class, () -> db.prepareTarget(request));
    assertEquals("TARGET_NOT_OURS", refused.getType());

    db.claimTarget(request);
    db.claimTarget(request);
    copies.copy(new CopyRequest("game", "run-5", "home", source, "arm", target, Copy.DEFAULT));

    assertTrue(Comparisons.allMatch(Comparisons.compare(fingerprint(source), fingerprint(target))));
  }

  @Test
  void markingLiveTwiceLeavesItLiveAndThenUntouchable() {
    copies.copy(new CopyRequest("game", "run-3", "home", source, "arm", target, Copy.DEFAULT));
    TargetRequest request = new TargetRequest("game", "run-3", "arm", target);

    db.markTargetLive(request);
    db.markTargetLive(request);
    db.dropTarget(new TargetRequest("game", "run-4", "arm", target));

    DatabaseActivities.DatabaseInfo info = db.inspect(new InspectRequest("arm", target));
    assertTrue(info.exists(), "a live target is never dropped");
    assertTrue(Markers.isLive(info.marker()));
  }

  @Test
  void stoppingWhatIsStoppedAndFlippingWhereItPointsSucceed() throws Exception {
    Path running = dir.resolve("app.running");
    Files.createFile(running);
    HostActivities hosts = new HostActivitiesImpl();
    HostActivities.CommandRequest stop = new HostActivities.CommandRequest("home", Host.LOCAL, "stop app",
        List.of("rm", "-f", running.toString()), Duration.ofSeconds(10));

    assertEquals(0, hosts.run(stop).exitCode());
    assertEquals(0, hosts.run(stop).exitCode());
    assertFalse(Files.exists(running));

    Path door = dir.resolve("frontdoor-arm");
    FrontDoorActivities frontDoor = new FrontDoorActivitiesImpl();
    FrontDoor.Command command = new FrontDoor.Command(List.of("touch", door.toString()), List.of("rm", "-f", door.toString()));
    var toArm = new FrontDoorActivities.FrontDoorRequest("game", command, FrontDoorActivities.Side.TARGET);
    frontDoor.pointAt(toArm);
    frontDoor.pointAt(toArm);
    assertTrue(Files.exists(door));
    var back = new FrontDoorActivities.FrontDoorRequest("game", command, FrontDoorActivities.Side.SOURCE);
    frontDoor.pointAt(back);
    frontDoor.pointAt(back);
    assertFalse(Files.exists(door));
  }

  private dev.cutover.verify.DatabaseFingerprint fingerprint(Database database) {
    return fingerprints.fingerprint(new FingerprintRequest("box", database, Verify.ALL));
  }
}
