package dev.cutover.preflight;

import dev.cutover.database.Connections;
import dev.cutover.workflow.CutoverFailure;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;

/**
 * Runs the plan's next-job query. The query comes from the plan, so it runs in a read-only transaction
 * with a statement timeout: preflight must change nothing, whatever the query says.
 */
public class ScheduleActivitiesImpl implements ScheduleActivities {

  @Override
  public NextJobDue nextJobDue(NextJobRequest request) {
    try (Connection connection = Connections.open(request.database())) {
      connection.setAutoCommit(false);
      connection.setReadOnly(true);
      try (Statement statement = connection.createStatement()) {
        statement.execute("set local statement_timeout = '30s'");
        try (ResultSet rows = statement.executeQuery(request.sql())) {
          NextJobDue due = read(request, rows);
          connection.rollback();
          return due;
        }
      }
    } catch (SQLException e) {
      if ("08".equals(e.getSQLState() == null ? null : e.getSQLState().substring(0, 2))) {
        throw CutoverFailure.DATABASE_UNAVAILABLE.failure(
            "cannot reach " + request.box() + "'s database for nextJob.sql: " + e.getMessage(), e);
      }
      throw CutoverFailure.INVALID_PLAN.failure(
          request.box() + ".nextJob.sql failed: " + e.getMessage() + " (SQLSTATE " + e.getSQLState() + ")", e);
    }
  }

  private static NextJobDue read(NextJobRequest request, ResultSet rows) throws SQLException {
    int columns = rows.getMetaData().getColumnCount();
    String type = rows.getMetaData().getColumnTypeName(1);
    if (columns != 1 || !type.equals("timestamptz")) {
      // A timestamp without a time zone is read in the server's zone, which the worker cannot know.
      throw CutoverFailure.INVALID_PLAN.failure(request.box() + ".nextJob.sql must return one timestamptz column,"
          + " got " + columns + " column(s) of type " + type
          + (type.equals("timestamp") ? ": cast it to timestamptz" : ""));
    }
    if (!rows.next()) {
      return new NextJobDue(request.box(), null);
    }
    OffsetDateTime due = rows.getObject(1, OffsetDateTime.class);
    return new NextJobDue(request.box(), due == null ? null : due.toInstant());
  }
}
