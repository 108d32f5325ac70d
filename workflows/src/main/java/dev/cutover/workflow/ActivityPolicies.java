package dev.cutover.workflow;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import java.time.Duration;
import java.util.Map;

/**
 * Every activity timeout and retry policy, in one place. The per-method maps are keyed by activity
 * type, which the SDK derives from the method name with its first letter upper-cased.
 */
final class ActivityPolicies {

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

  /** Long steps heartbeat; a worker that dies mid-copy is noticed within the heartbeat timeout. */
  private static final ActivityOptions SLOT_REMOVAL =
      DEFAULT.toBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(2))
          .setRetryOptions(RETRY.toBuilder().setMaximumAttempts(30).build())
          .build();

  private static ActivityOptions longStep(Duration startToClose, Duration heartbeat) {
    return DEFAULT.toBuilder()
        .setStartToCloseTimeout(startToClose)
        .setHeartbeatTimeout(heartbeat)
        .build();
  }

  static final Map<String, ActivityOptions> DATABASE =
      Map.ofEntries(
          Map.entry("Copy", longStep(Duration.ofHours(6), Duration.ofSeconds(15))),
          Map.entry("Fingerprint", longStep(Duration.ofHours(2), Duration.ofSeconds(15))),
          Map.entry("VerifyChanges", longStep(Duration.ofHours(2), Duration.ofSeconds(15))),
          Map.entry("NarrowBaselines", longStep(Duration.ofHours(2), Duration.ofSeconds(15))),
          Map.entry("Fence", DEFAULT.toBuilder().setStartToCloseTimeout(Duration.ofMinutes(1)).build()),
          Map.entry("Inspect",
              DEFAULT.toBuilder()
                  .setStartToCloseTimeout(Duration.ofSeconds(30))
                  .setRetryOptions(RETRY.toBuilder().setMaximumAttempts(3).build())
                  .build()),
          // CREATE SUBSCRIPTION, and creating a slot, wait for the source's open transactions without a heartbeat.
          Map.entry("StartLogical", longStep(Duration.ofHours(1), Duration.ofMinutes(2))),
          Map.entry("StartChangeLog", longStep(Duration.ofHours(1), Duration.ofMinutes(2))),
          Map.entry("AwaitInitialCopy", longStep(Duration.ofHours(6).plusMinutes(5), Duration.ofSeconds(30))),
          Map.entry("Lag",
              DEFAULT.toBuilder()
                  .setStartToCloseTimeout(Duration.ofSeconds(30))
                  .setRetryOptions(RETRY.toBuilder().setMaximumAttempts(3).build())
                  .build()),
          Map.entry("CatchUp", longStep(Duration.ofMinutes(15), Duration.ofSeconds(30))),
          // A slot left on the source holds WAL until its disk fills: try hard to remove it.
          Map.entry("CleanupLogical", SLOT_REMOVAL),
          Map.entry("DropChangeLog", SLOT_REMOVAL));

  /**
   * A plan command gets a generous ceiling (its own timeout is in the request) and heartbeats while it
   * runs, so a dead worker's command is retried on another worker within seconds.
   */
  static final Map<String, ActivityOptions> HOSTS =
      Map.of(
          "Run", longStep(Duration.ofMinutes(10), Duration.ofSeconds(10)),
          "VerifyState", longStep(Duration.ofMinutes(2), Duration.ofSeconds(30)).toBuilder()
              .setRetryOptions(RETRY.toBuilder().setMaximumAttempts(3).build())
              .build());

  /**
   * Asks a box's own worker to answer once: if none polls its queue, the task is never picked up and
   * the schedule-to-start timeout says so within seconds, instead of the move waiting forever.
   */
  static ActivityOptions probe(String taskQueue) {
    return ActivityOptions.newBuilder()
        .setTaskQueue(taskQueue)
        .setScheduleToStartTimeout(Duration.ofSeconds(15))
        .setStartToCloseTimeout(Duration.ofSeconds(30))
        .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(1).build())
        .build();
  }

  static final Map<String, ActivityOptions> FRONT_DOOR = Map.of();

  /** Verify-live bounds itself by the plan's health timeout; this is only the outer ceiling. */
  static final Map<String, ActivityOptions> HEALTH =
      Map.of(
          "VerifyLive",
          longStep(Duration.ofMinutes(30), Duration.ofSeconds(10)).toBuilder()
              .setRetryOptions(RETRY.toBuilder().setMaximumAttempts(2).build())
              .build());

  private ActivityPolicies() {}
}
