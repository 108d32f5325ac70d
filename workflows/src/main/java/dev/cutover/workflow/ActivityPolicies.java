package dev.cutover.workflow;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import dev.cutover.plan.DatabaseDoor;
import java.time.Duration;
import java.util.Map;

/**
 * Every activity timeout and retry policy, in one place. A step that bounds itself (a command, a wait for
 * replication) gets its own limit in its request, the {@link Limit#inner}; the limit Temporal enforces on
 * the attempt, the {@link Limit#outer}, is derived from it here, so the two cannot drift apart. The
 * per-method maps are keyed by activity type, which the SDK derives from the method name with its first
 * letter upper-cased; ActivityPoliciesTest checks every key against the interfaces.
 */
final class ActivityPolicies {

  /**
   * {@code inner}: what the activity is told to wait at most (in its request); {@code outer}: the
   * attempt's start-to-close timeout, {@code inner} plus the time the activity needs around it to report.
   */
  record Limit(Duration inner, Duration outer) {
    static Limit of(Duration inner, Duration grace) {
      return new Limit(inner, inner.plus(grace));
    }
  }

  /** A plan command (stop, start, a probe's {@code true}). */
  static final Limit COMMAND = Limit.of(Duration.ofMinutes(5), Duration.ofMinutes(5));
  /** A service's check polled until it shows the state asked for. */
  static final Limit STATE_CHECK = Limit.of(Duration.ofSeconds(60), Duration.ofSeconds(60));
  /** A preflight inspection of a box (config keys, architecture, disk, pending migrations). */
  static final Limit INSPECTION = Limit.of(Duration.ofMinutes(1), Duration.ofMinutes(1));
  /** A box's own worker answering a probe; if none polls, schedule-to-start says so first. */
  static final Limit PROBE = Limit.of(Duration.ofSeconds(10), Duration.ofSeconds(20));
  /** The logical copy's initial copy, waited for while the source serves. */
  static final Limit INITIAL_COPY = Limit.of(Duration.ofHours(6), Duration.ofMinutes(5));
  /** The logical copy's catch-up to the fence position, inside the blackout. */
  static final Limit CATCH_UP = Limit.of(Duration.ofMinutes(10), Duration.ofMinutes(5));

  /** Transient faults (a restarting database, a flaky API) get about two minutes of retries. */
  private static final RetryOptions RETRY =
      RetryOptions.newBuilder()
          .setInitialInterval(Duration.ofSeconds(1))
          .setBackoffCoefficient(2.0)
          .setMaximumInterval(Duration.ofSeconds(20))
          .setMaximumAttempts(8)
          .setDoNotRetry(CutoverFailure.nonRetryableTypes())
          .build();

  /**
   * No task queue here: activities run on the workflow's own queue unless a box's stub names its
   * worker's queue, and a queue in these options would override that.
   */
  static final ActivityOptions DEFAULT =
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(2))
          .setRetryOptions(RETRY)
          .build();

  /** A slot left on the source holds WAL until its disk fills: try hard to remove it. */
  private static final ActivityOptions SLOT_REMOVAL =
      DEFAULT.toBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(2))
          .setRetryOptions(RETRY.toBuilder().setMaximumAttempts(30).build())
          .build();

  /** A quick read whose failure is reported rather than waited out. */
  private static final ActivityOptions QUICK_READ =
      DEFAULT.toBuilder()
          .setStartToCloseTimeout(Duration.ofSeconds(30))
          .setRetryOptions(RETRY.toBuilder().setMaximumAttempts(3).build())
          .build();

  /** Long steps heartbeat; a worker that dies mid-copy is noticed within the heartbeat timeout. */
  private static ActivityOptions longStep(Duration startToClose, Duration heartbeat) {
    return DEFAULT.toBuilder()
        .setStartToCloseTimeout(startToClose)
        .setHeartbeatTimeout(heartbeat)
        .build();
  }

  private static ActivityOptions within(Limit limit) {
    return DEFAULT.toBuilder().setStartToCloseTimeout(limit.outer()).build();
  }

  static final Map<String, ActivityOptions> DATABASE =
      Map.ofEntries(
          Map.entry("Fence", DEFAULT.toBuilder().setStartToCloseTimeout(Duration.ofMinutes(1)).build()),
          Map.entry("Inspect", QUICK_READ));

  static final Map<String, ActivityOptions> COPY =
      Map.ofEntries(
          Map.entry("Copy", longStep(Duration.ofHours(6), Duration.ofSeconds(15))),
          // CREATE SUBSCRIPTION, and creating a slot, wait for the source's open transactions without a heartbeat.
          Map.entry("StartLogical", longStep(Duration.ofHours(1), Duration.ofMinutes(2))),
          Map.entry("AwaitInitialCopy", longStep(INITIAL_COPY.outer(), Duration.ofSeconds(30))),
          Map.entry("Lag", QUICK_READ),
          Map.entry("CatchUp", longStep(CATCH_UP.outer(), Duration.ofSeconds(30))),
          Map.entry("CleanupLogical", SLOT_REMOVAL),
          // Creating the stream's slot waits for the new box's open transactions: none, while it is fenced.
          Map.entry("StartReverse", within(Limit.of(Duration.ofMinutes(5), Duration.ofMinutes(5)))),
          Map.entry("WatchReverse", QUICK_READ),
          Map.entry("CloseReverse", SLOT_REMOVAL),
          Map.entry("AdoptReverse", longStep(Duration.ofMinutes(10), Duration.ofMinutes(2))));

  static final Map<String, ActivityOptions> FINGERPRINT =
      Map.ofEntries(
          Map.entry("Fingerprint", longStep(Duration.ofHours(2), Duration.ofSeconds(15))),
          Map.entry("VerifyChanges", longStep(Duration.ofHours(2), Duration.ofSeconds(15))),
          Map.entry("NarrowBaselines", longStep(Duration.ofHours(2), Duration.ofSeconds(15))),
          Map.entry("Rebaseline", longStep(Duration.ofHours(2), Duration.ofSeconds(15))),
          // One statement: it decodes the log up to the position, without a heartbeat.
          Map.entry("AdvanceChangeLog", within(Limit.of(Duration.ofMinutes(10), Duration.ofMinutes(10)))),
          Map.entry("StartChangeLog", longStep(Duration.ofHours(1), Duration.ofMinutes(2))),
          Map.entry("DropChangeLog", SLOT_REMOVAL));

  /**
   * A plan command heartbeats while it runs, so a dead worker's command is retried on another worker within
   * seconds.
   */
  static final Map<String, ActivityOptions> HOSTS =
      Map.of(
          "Run", longStep(COMMAND.outer(), Duration.ofSeconds(10)),
          "VerifyState", longStep(STATE_CHECK.outer(), Duration.ofSeconds(30)).toBuilder()
              .setRetryOptions(RETRY.toBuilder().setMaximumAttempts(3).build())
              .build(),
          // Tried once: on a failure the workflow runs the command and the check as their own activities.
          "Change", longStep(COMMAND.outer().plus(STATE_CHECK.outer()), Duration.ofSeconds(30)).toBuilder()
              .setRetryOptions(RETRY.toBuilder().setMaximumAttempts(1).build())
              .build(),
          "ConfigKeys", within(INSPECTION),
          "Architecture", within(INSPECTION),
          "DiskRoom", within(INSPECTION),
          "PendingMigrations", within(INSPECTION));

  /**
   * Asks a box's own worker to answer once: if none polls its queue, the task is never picked up and
   * the schedule-to-start timeout says so within seconds, instead of the move waiting forever.
   */
  static ActivityOptions probe(String taskQueue) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(taskQueue)
        .setScheduleToStartTimeout(Duration.ofSeconds(15))
        .setStartToCloseTimeout(PROBE.outer())
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build();
  }

  static final Map<String, ActivityOptions> FRONT_DOOR = Map.of();

  /** The plan's pauseTimeout is at most this (PlanRules); the PAUSE heartbeats while it waits. */
  static final Limit PAUSE = Limit.of(DatabaseDoor.MAX_PAUSE_TIMEOUT, Duration.ofMinutes(1));

  /**
   * A hold that timed out was cancelled and fails for good (PAUSE_TIMED_OUT), so clients are not held again
   * and again by retries; PgBouncer restarting or briefly unreachable is retried as usual.
   */
  static final Map<String, ActivityOptions> DATABASE_DOOR =
      Map.of(
          "DatabaseDoorCheck", QUICK_READ,
          "DatabaseDoorHold", longStep(PAUSE.outer(), Duration.ofSeconds(10)),
          "DatabaseDoorPointAt", longStep(Duration.ofMinutes(2), Duration.ofSeconds(10)));

  static final Map<String, ActivityOptions> SCHEDULE = Map.of();

  /** Verify-live bounds itself by the plan's health timeout; this is only the outer ceiling. */
  static final Map<String, ActivityOptions> HEALTH =
      Map.of(
          "VerifyLive",
          longStep(Duration.ofMinutes(30), Duration.ofSeconds(10)).toBuilder()
              .setRetryOptions(RETRY.toBuilder().setMaximumAttempts(2).build())
              .build());

  private ActivityPolicies() {}
}
