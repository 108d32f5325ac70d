package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.database.CopyActivities.CopyRequest;
import dev.cutover.database.DatabaseActivities.DatabaseInfo;
import dev.cutover.database.DatabaseActivities.FenceRequest;
import dev.cutover.database.DatabaseActivities.InspectRequest;
import dev.cutover.database.DatabaseActivities.JournalRequest;
import dev.cutover.database.DatabaseActivities.TargetRequest;
import dev.cutover.plan.Copy;
import dev.cutover.plan.Database;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.SharedClusters;
import dev.cutover.testing.SmallGame;
import dev.cutover.workflow.CutoverFailure;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the databases themselves remember of a move, on real clusters: the journal, a target fenced from its
 * first moment, the switch as one commit, and a fence that is never trusted by its label alone.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class JournalAndFenceTest {

  @RegisterExtension static final SharedClusters clusters = new SharedClusters();

  private static int run;
  private final DatabaseActivitiesImpl activities = new DatabaseActivitiesImpl();
  private final CopyActivitiesImpl copies = new CopyActivitiesImpl();
  private String name;
  private Database source;
  private Database target;

  @BeforeEach
  void freshDatabases() throws SQLException {
    name = "journal" + (++run);
    clusters.home().createDatabase(name);
    source = new Database(clusters.home().jdbcUrl(name), LocalCluster.SUPERUSER, null, null);
    target = new Database(clusters.arm().jdbcUrl(name), LocalCluster.SUPERUSER, null, null);
    try (Connection c = clusters.home().connect(name)) {
      SmallGame.create(c, 50);
    }
  }

  @Test
  void theJournalIsKeptOnTheDatabaseAndOnlyItsOwnRunClearsIt() {
    MoveJournal entry = new MoveJournal("game", "run-7", MoveJournal.FREEZE, false, "home", "arm",
        List.of("app", "writer nightly"), "home", 1234);
    activities.record(new JournalRequest("home", source, entry));

    DatabaseInfo info = activities.inspect(new InspectRequest("home", source));
    assertEquals(entry, info.journal());

    activities.clearJournal(new JournalRequest("home", source, entry.at(MoveJournal.FREEZE, 0).withRun("other")));
    assertEquals(entry, activities.inspect(new InspectRequest("home", source)).journal(), "another run's clear");
    activities.clearJournal(new JournalRequest("home", source, entry));
    assertNull(activities.inspect(new InspectRequest("home", source)).journal());
  }

  @Test
  void theTargetRefusesEveryWriterButTheMoverFromItsCreation() throws SQLException {
    TargetRequest request = new TargetRequest("game", "run-1", "arm", target);
    activities.prepareTarget(request);
    try (Connection stray = clusters.arm().connect(name); Statement s = stray.createStatement()) {
      SQLException refused = assertThrows(SQLException.class, () -> s.execute("CREATE TABLE stray (id int)"));
      assertEquals("25006", refused.getSQLState(), refused.getMessage());
    }

    copies.copy(new CopyRequest("game", "run-1", "home", source, "arm", target, Copy.DEFAULT));

    assertEquals(50L, count(clusters.arm(), "SELECT count(*) FROM predictions"), "the mover's own copy wrote");
    assertTrue(activities.inspect(new InspectRequest("arm", target)).fenced());
  }

  @Test
  void goingLiveUnfencesAndMarksLiveTogetherAndDemotingUndoesBoth() throws SQLException {
    TargetRequest request = new TargetRequest("game", "run-2", "arm", target);
    copies.copy(new CopyRequest("game", "run-2", "home", source, "arm", target, Copy.DEFAULT));

    activities.goLive(request);
    activities.goLive(request);

    DatabaseInfo live = activities.inspect(new InspectRequest("arm", target));
    assertFalse(live.fenced());
    assertEquals(Markers.of("game", "run-2", Markers.LIVE), live.marker());
    execute(clusters.arm(), "INSERT INTO audit_log VALUES ('first on arm', now())");
    activities.dropTarget(request);
    assertTrue(activities.inspect(new InspectRequest("arm", target)).exists(), "a live target is never dropped");

    activities.demoteTarget(request);

    DatabaseInfo demoted = activities.inspect(new InspectRequest("arm", target));
    assertTrue(demoted.fenced());
    assertEquals(Markers.of("game", "run-2", Markers.COPIED), demoted.marker());
    SQLException refused = assertThrows(SQLException.class,
        () -> execute(clusters.arm(), "INSERT INTO audit_log VALUES ('late', now())"));
    assertEquals("25006", refused.getSQLState());
  }

  @Test
  void aFenceLabelledButNotInForceIsAppliedAgain() throws SQLException {
    // What a crash between the old fence's separate statements left: the label, and writes still accepted.
    execute(clusters.home(), "ALTER DATABASE " + name + " SET cutover.fenced_by = 'game'");

    activities.fence(new FenceRequest("game", "home", source));

    SQLException refused = assertThrows(SQLException.class,
        () -> execute(clusters.home(), "INSERT INTO audit_log VALUES ('rogue', now())"));
    assertEquals("25006", refused.getSQLState());
    activities.unfence(new FenceRequest("game", "home", source));
    execute(clusters.home(), "INSERT INTO audit_log VALUES ('after', now())");
  }

  @Test
  void aFullDiskIsAPermanentFailureNotARetry() {
    SQLException full = new SQLException("ERROR: could not extend file \"base/16384/16390\": No space left on device",
        "53100");
    ApplicationFailure fromServer = Connections.failure("copying predictions", full);
    ApplicationFailure fromTool = PgTools.copyFailed("pg_restore exited 1: pg_restore: error: could not execute query:"
        + " ERROR:  could not extend file \"base/16384/16390\": No space left on device", null);

    for (ApplicationFailure failure : List.of(fromServer, fromTool)) {
      assertEquals(CutoverFailure.DISK_FULL.name(), failure.getType());
      assertTrue(failure.isNonRetryable(), failure.getOriginalMessage());
    }
    assertFalse(PgTools.copyFailed("pg_restore exited 1: connection refused", null).isNonRetryable());
  }

  private void execute(LocalCluster cluster, String sql) throws SQLException {
    try (Connection c = cluster.connect(name); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private long count(LocalCluster cluster, String sql) throws SQLException {
    try (Connection c = cluster.connect(name); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
