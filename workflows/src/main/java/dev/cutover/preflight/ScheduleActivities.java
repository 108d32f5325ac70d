package dev.cutover.preflight;

import dev.cutover.plan.Database;
import io.temporal.activity.ActivityInterface;
import java.time.Instant;

/**
 * When the app's next time-critical job is due (a kickoff whose odds must freeze on time), read from the
 * app's database. Its own interface because it needs a database connection, not a box.
 */
@ActivityInterface
public interface ScheduleActivities {

  /** Runs the plan's nextJob.sql read-only; a query that fails or returns something else fails the call. */
  NextJobDue nextJobDue(NextJobRequest request);

  record NextJobRequest(String box, Database database, String sql) {}

  /** {@code dueAt} is null when the query returned no row or a null: nothing is due. */
  record NextJobDue(String box, Instant dueAt) {}
}
