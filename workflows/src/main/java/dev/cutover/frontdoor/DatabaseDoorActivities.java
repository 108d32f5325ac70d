package dev.cutover.frontdoor;

import dev.cutover.plan.Database;
import dev.cutover.plan.DatabaseDoor;
import io.temporal.activity.ActivityInterface;

/**
 * PgBouncer as the database's front door: holds its clients' transactions through the freeze and points
 * its database entry at one box. Every method sets a desired state, so repeating one changes nothing.
 */
/** Activity types are prefixed, as FrontDoorActivities has a check, a hold and a pointAt of its own. */
@ActivityInterface(namePrefix = "DatabaseDoor")
public interface DatabaseDoorActivities {

  /**
   * Preflight: the admin console answers with the plan's credentials, the entry exists in the config file
   * the worker can rewrite, and where it points now; the pool mode says whether a hold can work.
   */
  DoorCheck check(DoorRequest request);

  /**
   * PAUSE the entry: waits (up to the plan's pauseTimeout) for the transactions in flight to finish, then
   * holds every new one. A PAUSE that cannot finish in time is cancelled with RESUME and fails.
   */
  DoorResult hold(DoorRequest request);

  /**
   * Writes the entry's address as {@code request.pointAt}, RELOADs, RESUMEs, and proves both: the entry
   * points there and no server connection of the entry is left on {@code request.other} (pgbouncer#1311).
   */
  DoorResult pointAt(DoorRequest request);

  /**
   * {@code pointAt}: the database the entry should lead to; {@code other}: the other box's, which no
   * connection may still use once the entry points away from it.
   */
  record DoorRequest(String app, DatabaseDoor door, String pointAtBox, Database pointAt, String otherBox,
      Database other) {}

  /** Where the entry points, as PgBouncer itself reports it (SHOW DATABASES). */
  record DoorState(String host, int port, String database, boolean paused) {
    public String address() {
      return host + ":" + port + "/" + database;
    }
  }

  /**
   * {@code pointsAtRequested}: the entry leads to {@code request.pointAt}. {@code poolMode}: the entry's,
   * or PgBouncer's default. {@code queryWaitTimeoutSeconds}: how long PgBouncer lets a held client wait
   * before it fails it (0: forever).
   */
  record DoorCheck(DoorState state, boolean pointsAtRequested, String poolMode, long queryWaitTimeoutSeconds,
      String detail) {}

  record DoorResult(DoorState state, long millis, String detail) {}
}
