package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.database.CopyActivities.CopyRequest;
import dev.cutover.database.DatabaseActivities.FenceRequest;
import dev.cutover.verify.FingerprintActivities.FingerprintRequest;
import dev.cutover.database.DatabaseActivities.InspectRequest;
import dev.cutover.database.DatabaseActivities.TargetRequest;
import dev.cutover.plan.Copy;
import dev.cutover.plan.Database;
import dev.cutover.plan.Verify;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.SharedClusters;
import dev.cutover.testing.SmallGame;
import dev.cutover.verify.Comparisons;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.TableComparison;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DatabaseActivitiesTest {

  @RegisterExtension static final SharedClusters clusters = new SharedClusters();

  private static LocalCluster home;
  private static LocalCluster arm;
  private static Database source;
  private static Database target;
  private final DatabaseActivitiesImpl activities = new DatabaseActivitiesImpl();
  private final CopyActivitiesImpl copies = new CopyActivitiesImpl();
  private final FingerprintActivitiesImpl fingerprints = new FingerprintActivitiesImpl();
  private static int run;

  @BeforeAll
  static void startClusters() {
    home = clusters.home();
    arm = clusters.arm();
  }

  @BeforeEach
  void freshDatabases() throws SQLException {
    run++;
    home.createDatabase("game" + run);
    source = new Database(home.jdbcUrl("game" + run), LocalCluster.SUPERUSER, null, null);
    target = new Database(arm.jdbcUrl("game" + run), LocalCluster.SUPERUSER, null, null);
    try (Connection c = home.connect("game" + run)) {
      SmallGame.create(c, 453);
    }
  }

  @Test
  void copyMakesTheTargetIdenticalAndItsSequencesContinue() throws SQLException {
    CopyActivities.CopyResult copied = copies.copy(copyRequest());

    assertEquals(3, copied.tables());
    assertTrue(copied.bytes() > 0);
    List<TableComparison> comparison = Comparisons.compare(fingerprint(source), fingerprint(target));
    assertTrue(Comparisons.allMatch(comparison), comparison.toString());
    assertEquals(453L, comparison.stream().filter(t -> t.table().equals("public.predictions")).findFirst().orElseThrow().targetRows());
    assertEquals(Map.of("points_awarded", "1359"),
        comparison.stream().filter(t -> t.table().equals("public.predictions")).findFirst().orElseThrow().targetSums());

    activities.unfence(new FenceRequest("game", "arm", target));
    try (Connection c = arm.connect("game" + run); Statement s = c.createStatement()) {
      s.execute("INSERT INTO predictions (profile_id) VALUES (1)");
      assertEquals(454L, scalarLong(s, "SELECT max(id) FROM predictions"));
    }
  }

  @Test
  void aCopyEndsFencedAndMarkedAsThisAppsCopy() throws SQLException {
    copies.copy(copyRequest());

    DatabaseActivities.DatabaseInfo info = activities.inspect(new InspectRequest("arm", target));
    assertTrue(info.fenced());
    assertTrue(Markers.isOurs(info.marker(), "game"));
    try (Connection c = arm.connect("game" + run); Statement s = c.createStatement()) {
      SQLException refused = assertThrows(SQLException.class, () -> s.execute("DELETE FROM profiles"));
      assertEquals("25006", refused.getSQLState(), refused.getMessage());
    }
  }

  @Test
  void fencingRefusesNewWritesEndsOldSessionsAndUnfencingRestoresTheSetting() throws SQLException {
    try (Connection before = home.connect("game" + run); Statement s = before.createStatement()) {
      s.execute("ALTER DATABASE game" + run + " SET default_transaction_read_only = off");
      DatabaseActivities.FenceResult first = activities.fence(new FenceRequest("game", "home", source));
      DatabaseActivities.FenceResult second = activities.fence(new FenceRequest("game", "home", source));

      assertFalse(first.alreadyFenced());
      assertEquals(1, first.sessionsEnded());
      assertTrue(second.alreadyFenced());
      assertThrows(SQLException.class, () -> s.execute("SELECT 1"), "the old session was ended");
    }
    try (Connection during = home.connect("game" + run); Statement s = during.createStatement()) {
      SQLException refused = assertThrows(SQLException.class, () -> s.execute("INSERT INTO audit_log VALUES ('rogue', now())"));
      assertEquals("25006", refused.getSQLState());
    }

    activities.unfence(new FenceRequest("game", "home", source));
    activities.unfence(new FenceRequest("game", "home", source));

    try (Connection after = home.connect("game" + run); Statement s = after.createStatement()) {
      s.execute("INSERT INTO audit_log VALUES ('after', now())");
      try (ResultSet rs = s.executeQuery("SELECT unnest(setconfig) FROM pg_db_role_setting s JOIN pg_database d"
          + " ON d.oid = s.setdatabase WHERE d.datname = current_database()")) {
        assertTrue(rs.next());
        assertEquals("default_transaction_read_only=off", rs.getString(1));
        assertFalse(rs.next(), "no cutover.* setting is left behind");
      }
    }
  }

  @Test
  void anAppRoleThatSwitchesReadOnlyOffStillCannotWriteThroughTheFence() throws SQLException {
    String db = "game" + run;
    try (Connection admin = home.connect(db); Statement s = admin.createStatement()) {
      s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'game_app') THEN"
          + " CREATE ROLE game_app LOGIN; END IF; END $$");
      s.execute("GRANT ALL ON ALL TABLES IN SCHEMA public TO game_app");
      s.execute("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO game_app");
    }
    try (Connection app = java.sql.DriverManager.getConnection(home.jdbcUrl(db), "game_app", "");
        Statement s = app.createStatement()) {
      s.execute("INSERT INTO audit_log VALUES ('before', now())");
    }

    activities.fence(new FenceRequest("game", "home", source));

    SQLException refused = assertThrows(SQLException.class, () -> {
      try (Connection app = java.sql.DriverManager.getConnection(home.jdbcUrl(db), "game_app", "");
          Statement s = app.createStatement()) {
        s.execute("SET default_transaction_read_only = off");
        s.execute("INSERT INTO audit_log VALUES ('rogue', now())");
      }
    });
    assertEquals("53300", refused.getSQLState(), refused.getMessage());

    activities.unfence(new FenceRequest("game", "home", source));
    try (Connection app = java.sql.DriverManager.getConnection(home.jdbcUrl(db), "game_app", "");
        Statement s = app.createStatement()) {
      s.execute("INSERT INTO audit_log VALUES ('after', now())");
      try (ResultSet rs = s.executeQuery("SELECT datconnlimit FROM pg_database WHERE datname = current_database()")) {
        rs.next();
        assertEquals(-1, rs.getInt(1), "the previous connection limit is back");
      }
    }
  }

  @Test
  void fingerprintsSeeOneChangedValueNullVersusEmptyAndADuplicatedRow() throws SQLException {
    copies.copy(copyRequest());
    activities.unfence(new FenceRequest("game", "arm", target));
    String base = hash(target, "public.profiles");

    execute(arm, "UPDATE profiles SET motto = NULL WHERE motto = '' AND id = 1");
    String nullInsteadOfEmpty = hash(target, "public.profiles");
    execute(arm, "UPDATE profiles SET motto = '' WHERE id = 1");
    assertEquals(base, hash(target, "public.profiles"), "back to the same content, back to the same hash");
    assertNotEquals(base, nullInsteadOfEmpty);

    String log = hash(target, "public.audit_log");
    execute(arm, "INSERT INTO audit_log VALUES ('seeded', '2026-06-11 17:00+00')");
    assertNotEquals(log, hash(target, "public.audit_log"), "a duplicate row changes the hash");

    execute(arm, "UPDATE predictions SET points_awarded = points_awarded + 1 WHERE id = 200");
    List<TableComparison> differing = Comparisons.compare(fingerprint(source), fingerprint(target)).stream()
        .filter(t -> !t.matches()).toList();
    assertEquals(List.of("public.audit_log", "public.predictions"), differing.stream().map(TableComparison::table).toList());
  }

  @Test
  void aDatabaseCutoverDidNotCreateIsNeverOverwritten() {
    arm.createDatabase("game" + run);

    ApplicationFailure refused = assertThrows(ApplicationFailure.class,
        () -> activities.prepareTarget(new TargetRequest("game", "move-1", "arm", target)));

    assertEquals("TARGET_NOT_OURS", refused.getType());
    assertFalse(activities.inspect(new InspectRequest("arm", target)).fenced());
    activities.dropTarget(new TargetRequest("game", "move-1", "arm", target));
    assertTrue(activities.inspect(new InspectRequest("arm", target)).exists(), "dropTarget left it alone");
  }

  @Test
  void prepareAndDropAreIdempotent() {
    TargetRequest request = new TargetRequest("game", "move-1", "arm", target);
    assertTrue(activities.prepareTarget(request).created());
    assertFalse(activities.prepareTarget(request).created());
    activities.dropTarget(request);
    activities.dropTarget(request);
    assertFalse(activities.inspect(new InspectRequest("arm", target)).exists());
  }

  private CopyRequest copyRequest() {
    return new CopyRequest("game", "move-" + run, "home", source, "arm", target, Copy.DEFAULT);
  }

  private DatabaseFingerprint fingerprint(Database db) {
    return fingerprints.fingerprint(new FingerprintRequest("box", db,
        new Verify(null, Map.of("predictions", List.of("points_awarded")))));
  }

  private String hash(Database db, String table) {
    return fingerprint(db).tables().stream().filter(t -> t.table().equals(table)).findFirst().orElseThrow().hash();
  }

  private static void execute(LocalCluster cluster, String sql) throws SQLException {
    try (Connection c = cluster.connect("game" + run); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static long scalarLong(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
