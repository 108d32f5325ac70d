package dev.cutover.database;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.cutover.plan.Copy;
import dev.cutover.plan.Database;
import io.temporal.activity.ActivityInterface;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Copying the source's data into the target by the plan's strategy: {@code dump-restore} ({@link #copy}) or
 * {@code logical} (the rest). Every method is idempotent: restoring over a half-restored target, or starting
 * replication a retry already started, ends in the same state.
 */
@ActivityInterface
public interface CopyActivities {

  /** Copies source into a freshly recreated target, which ends fenced. */
  CopyResult copy(CopyRequest request);

  /**
   * Preflight for {@code copy.strategy: logical}: what the source and target servers lack for logical
   * replication, each item with its fix. Changes nothing.
   */
  LogicalReadiness checkLogical(LogicalRequest request);

  /**
   * Pre-sync: recreates the target (only one this app's move created), restores the schema only, and
   * starts a publication on the source and a subscription on the target that copies every table and then
   * streams changes. Named {@code cutover_<app>}; a retry of the same move reuses what it finds, anything
   * older is dropped and recreated. The source keeps serving throughout.
   */
  LogicalStarted startLogical(LogicalRequest request);

  /** Where the subscription stands: tables still in their initial copy, bytes and time behind. */
  LogicalLag lag(LogicalRequest request);

  /** Waits, heartbeating, until every table finished its initial copy; fails after the request's timeout. */
  LogicalLag awaitInitialCopy(LogicalWaitRequest request);

  /**
   * At the freeze, with the source fenced: waits until the target applied everything up to the source's
   * WAL position, copies sequence values and large objects, drops the subscription, the source's slot and
   * publication, and fences the target. Run twice, the second run redoes only the idempotent tail.
   */
  LogicalCaughtUp catchUp(LogicalWaitRequest request);

  /**
   * Abort and rollback, on every path: drops the subscription, the source's slots and publication, and
   * restores replica identities pre-sync changed. Never leaves a slot on the source unless it cannot
   * reach it, and then fails (retryable) saying so.
   */
  void cleanupLogical(LogicalRequest request);

  record CopyRequest(
      String app, String moveId, String sourceBox, Database source, String targetBox, Database target, Copy copy) {}

  record CopyResult(long bytes, int tables, long dumpMillis, long totalMillis) {

    @JsonIgnore
    public String summary() {
      return tables + " tables, " + bytes + " bytes in " + totalMillis + " ms";
    }
  }

  /** Both ends of a logical copy; {@code moveId} tells this move's leftovers from an earlier move's. */
  record LogicalRequest(
      String app, String moveId, String sourceBox, Database source, String targetBox, Database target, Copy copy) {}

  record LogicalWaitRequest(LogicalRequest logical, Duration timeout) {}

  /**
   * {@code issues}: blocking ones stop the move, the others are warnings. The facts behind them are kept
   * for the status page.
   */
  record LogicalReadiness(
      String walLevel,
      int freeReplicationSlots,
      int freeWalSenders,
      List<String> keylessTables,
      long largeObjects,
      List<LogicalIssue> issues) {

    @JsonIgnore
    public String summary() {
      return "wal_level " + walLevel + ", " + freeReplicationSlots + " free slots, " + issues.size() + " issues";
    }
  }

  /** One readiness finding: which check, what is wrong, and how to fix it. */
  record LogicalIssue(boolean blocking, String check, String problem, String fix) {}

  /**
   * {@code name}: the publication, subscription and slot. {@code reused}: a retry found this move's
   * subscription already running. {@code identityFull}: keyless tables pre-sync set to REPLICA IDENTITY FULL.
   */
  record LogicalStarted(String name, boolean reused, int tables, List<String> identityFull, long millis) {

    @JsonIgnore
    public String summary() {
      return (reused ? "reused " : "created ") + name + " for " + tables + " tables";
    }
  }

  /**
   * {@code tablesByState}: initial-copy states of pg_subscription_rel, spelled out (init, copying, synced,
   * ready). {@code bytesBehind}: the source's WAL position minus what the target confirmed.
   * {@code lagMillis}: the source's view of replay lag, null while idle. {@code errors}: apply and
   * table-sync errors so far (a growing count means the subscription is stuck, e.g. on DDL).
   */
  record LogicalLag(
      boolean subscribed,
      int tables,
      Map<String, Integer> tablesByState,
      List<String> copying,
      String sourceLsn,
      String confirmedLsn,
      Long bytesBehind,
      Long lagMillis,
      long errors,
      boolean initialCopyDone) {

    @JsonIgnore
    public String summary() {
      return initialCopyDone ? "initial copy done for " + tables + " tables"
          + (bytesBehind == null ? "" : "; " + bytesBehind + " bytes behind")
          : copying.size() + " tables still copying";
    }
  }

  /**
   * {@code fenceLsn}: the source position the target was proven to have applied. {@code waitMillis}: the
   * wait for it; {@code totalMillis}: the whole catch-up, all of it inside the blackout.
   */
  record LogicalCaughtUp(
      boolean alreadyDone,
      String fenceLsn,
      int sequences,
      long largeObjects,
      long waitMillis,
      long totalMillis) {

    @JsonIgnore
    public String summary() {
      return "caught up to " + fenceLsn + " in " + waitMillis + " ms; " + sequences + " sequences, " + largeObjects
          + " large objects; " + totalMillis + " ms in all";
    }
  }
}
