package dev.cutover.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cutover.database.Connections;
import dev.cutover.plan.Database;
import dev.cutover.preflight.Finding;
import dev.cutover.preflight.PreflightFindings;
import dev.cutover.preflight.ScheduleActivities.NextJobDue;
import dev.cutover.preflight.ScheduleActivities.NextJobRequest;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.SharedClusters;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ScheduleActivitiesTest {

  @RegisterExtension static final SharedClusters clusters = new SharedClusters();

  private static Database db;
  private final ScheduleActivities schedule = new ScheduleActivitiesImpl();

  @BeforeAll
  static void matches() throws Exception {
    LocalCluster home = clusters.home();
    home.createDatabase("schedule");
    try (Connection c = home.connect("schedule"); Statement s = c.createStatement()) {
      s.execute("create table matches (id int primary key, kickoff timestamptz not null)");
      s.execute("insert into matches values (1, '2026-06-11 16:00:00+00'), (2, '2026-06-12 19:00:00+00')");
    }
    db = new Database(home.jdbcUrl("schedule"), LocalCluster.SUPERUSER, null, null);
  }

  private NextJobDue due(String sql) {
    return schedule.nextJobDue(new NextJobRequest("home", db, sql));
  }

  @Test
  void returnsTheNextKickoff() {
    NextJobDue due = due("select min(kickoff) from matches where kickoff > '2026-06-11 17:00+00'");

    assertEquals(new NextJobDue("home", Instant.parse("2026-06-12T19:00:00Z")), due);
    DataConverter json = DefaultDataConverter.newDefaultInstance();
    assertEquals(due, json.fromPayload(json.toPayload(due).orElseThrow(), NextJobDue.class, NextJobDue.class));
    assertEquals(Finding.Severity.WARNING,
        PreflightFindings.nextJob(due, Instant.parse("2026-06-12T19:00:01Z")).severity());
    assertEquals(Finding.Severity.OK, PreflightFindings.nextJob(due, Instant.parse("2026-06-12T18:00:00Z")).severity());
  }

  @Test
  void nothingDueIsNull() {
    assertEquals(new NextJobDue("home", null), due("select min(kickoff) from matches where false"));
    assertEquals(new NextJobDue("home", null), due("select kickoff from matches where false"));
  }

  @Test
  void theQueryCannotWrite() {
    ApplicationFailure f = assertThrows(ApplicationFailure.class,
        () -> due("with gone as (delete from matches returning kickoff) select min(kickoff) from gone"));

    assertEquals("INVALID_PLAN", f.getType());
    assertEquals(2, countMatches());
  }

  @Test
  void theQueryMustReturnATimestamptz() {
    assertEquals("home.nextJob.sql must return one timestamptz column, got 1 column(s) of type timestamp: cast it"
        + " to timestamptz", assertThrows(ApplicationFailure.class,
            () -> due("select kickoff::timestamp from matches")).getOriginalMessage());
    ApplicationFailure f = assertThrows(ApplicationFailure.class, () -> due("select 1"));

    assertEquals("INVALID_PLAN", f.getType());
    assertEquals("home.nextJob.sql must return one timestamptz column, got 1 column(s) of type int4",
        f.getOriginalMessage());
  }

  private static int countMatches() {
    try (Connection c = Connections.open(db);
        Statement s = c.createStatement();
        ResultSet rows = s.executeQuery("select count(*) from matches")) {
      rows.next();
      return rows.getInt(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
