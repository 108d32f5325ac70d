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
   * Replaces the target, before a copy, with an empty database (marked and fenced) that the copy then takes
   * as it is: inside the freeze, dropping the rehearsal's copy and CREATE DATABASE took 100-1000 ms at S on a
   * busy server. Idempotent: running it again makes another empty one.
   */
  SpareTarget prepareSpare(CopyRequest request);

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

  // ---- the reverse stream: the old box kept current after the switch (copy.rollbackWindow) ------------

  /**
   * At the switch, after the catch-up and before the new box takes its first write: a publication of every
   * table on the new box (keyless tables set to REPLICA IDENTITY FULL in the same transaction, recorded in
   * its comment), and on the old box, which stays fenced, a subscription without initial copy whose slot is
   * created now, so every write the new box takes is streamed back; plus a watch slot on the old box that
   * sees only commits that did not come from the stream. Named {@code cutover_<app>} (the names a rollback's
   * logical move looks for, so it adopts the stream instead of copying). Idempotent for this move.
   */
  ReverseStarted startReverse(ReverseRequest request);

  /**
   * Where the reverse stream stands, and any commit on the old box that did not come from it (read and
   * consumed from the watch slot: each is reported once). Changes nothing else.
   */
  ReverseState watchReverse(ReverseRequest request);

  /**
   * Ends the reverse stream: the subscription and the watch slot on the old box, the slot and publication on
   * the new box, the replica identities restored. Idempotent; never leaves a slot on the new box unless it
   * cannot reach it, and then fails (retryable) saying so.
   */
  ReverseClosed closeReverse(ReverseRequest request);

  /**
   * A rollback's pre-sync ({@code request}: source = the live box, target = the fallback, this rollback's move
   * id): takes over the reverse stream the move kept, so the rollback's catch-up and cleanup treat it as their
   * own subscription; ends the watch. Fails, not retryable, naming why, when there is no healthy stream to take
   * (the rollback then copies in its freeze); a broken stream it finds is removed first.
   */
  LogicalStarted adoptReverse(LogicalRequest request);

  /**
   * {@code live}: the box the move switched to, the stream's source. {@code fallback}: the old box, fenced,
   * the stream's target. {@code moveId}: the move that switched.
   */
  record ReverseRequest(String app, String moveId, String liveBox, Database live, String fallbackBox,
      Database fallback, Copy copy) {}

  /** {@code startLsn}: the new box's position the stream starts from: nothing it took before is missed. */
  record ReverseStarted(String name, boolean reused, String startLsn, List<String> identityFull, long millis) {

    @JsonIgnore
    public String summary() {
      return (reused ? "kept " : "started ") + name + " from " + startLsn + " back to the fallback";
    }
  }

  /**
   * {@code broken}: why the stream no longer carries the new box's writes (no subscription, disabled, its
   * worker gone, its slot gone or invalidated, apply errors), or null while it streams. {@code lastApplied}:
   * when the old box last reported applying (timestamptz text, the old box's clock), null if never. {@code strayWrites}:
   * commits on the old box since the last watch that did not come from the stream (must stay 0: each is a
   * second writer); {@code straySample}: a few of them, e.g. "xid 812: INSERT public.accounts".
   */
  record ReverseState(boolean exists, String broken, Long bytesBehind, Long lagMillis, String lastApplied,
      long applyErrors, long strayWrites, List<String> straySample) {

    public ReverseState {
      straySample = straySample == null ? List.of() : List.copyOf(straySample);
    }

    @JsonIgnore
    public boolean streaming() {
      return exists && broken == null;
    }
  }

  record ReverseClosed(boolean existed, List<String> dropped, long millis) {

    @JsonIgnore
    public String summary() {
      return existed ? "dropped " + String.join(", ", dropped) : "nothing was left";
    }
  }

  record CopyRequest(
      String app, String moveId, String sourceBox, Database source, String targetBox, Database target, Copy copy) {}

  /** {@code millis}: what replacing it took, which the copy after it no longer pays. */
  record SpareTarget(String database, boolean created, long millis) {

    @JsonIgnore
    public String summary() {
      return (created ? database + " made empty in " + millis + " ms" : database + " kept, made earlier");
    }
  }

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
  record LogicalStarted(String name, boolean reused, int tables, List<String> identityFull, long millis,
      String adoptedFrom, String notAdopted) {

    public LogicalStarted(String name, boolean reused, int tables, List<String> identityFull, long millis) {
      this(name, reused, tables, identityFull, millis, null, null);
    }

    @JsonIgnore
    public String summary() {
      if (adoptedFrom != null) {
        return "adopted the reverse stream " + name + " kept since the switch of move " + adoptedFrom
            + ": nothing to copy";
      }
      return (notAdopted == null ? "" : notAdopted + ", so everything is copied again; ")
          + (reused ? "reused " : "created ") + name + " for " + tables + " tables";
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
