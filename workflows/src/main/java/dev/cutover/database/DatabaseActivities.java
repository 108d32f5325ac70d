package dev.cutover.database;

import dev.cutover.plan.Copy;
import dev.cutover.plan.Database;
import dev.cutover.plan.Settle;
import dev.cutover.plan.Verify;
import dev.cutover.verify.DatabaseFingerprint;
import io.temporal.activity.ActivityInterface;
import dev.cutover.verify.KeyRange;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything the move does to a PostgreSQL database. Every method is idempotent: fencing a fenced
 * database, dropping a dropped one or restoring over a half-restored one all end in the same state.
 */
@ActivityInterface
public interface DatabaseActivities {

  /** Connects and describes the database; an unreachable one is reported, not thrown. */
  DatabaseInfo inspect(InspectRequest request);

  /** Creates the target database and marks it as this app's, or accepts one an earlier attempt made. */
  TargetPrepared prepareTarget(TargetRequest request);

  /**
   * Stamps this move's marker on an existing target database that the plan allows to overwrite
   * ({@code target.overwrite: true}), so the ordinary rules then let the move replace it. A database
   * that does not exist, or that a completed move of this app serves from, is left as it is.
   */
  TargetPrepared claimTarget(TargetRequest request);

  /** Drops the target database, but only one whose marker says this app's move created it. */
  void dropTarget(TargetRequest request);

  /** Marks the target as live: from now on no move may drop or overwrite it. */
  void markTargetLive(TargetRequest request);

  /** Makes the database refuse writes from every session but the mover's, and proves quiescence. */
  FenceResult fence(FenceRequest request);

  /** Restores exactly the settings the fence replaced. */
  void unfence(FenceRequest request);

  /** Copies source into a freshly recreated target, which ends fenced. */
  CopyResult copy(CopyRequest request);

  /**
   * Preflight: the extensions the source database uses that the target server cannot install at the version
   * the source has. A restore would fail on each of them, so they block before anything changes.
   */
  ExtensionCheck checkExtensions(ExtensionRequest request);

  /** Row counts, column sums and a content hash for every selected table. */
  DatabaseFingerprint fingerprint(FingerprintRequest request);

  /**
   * After a fingerprint mismatch: lists keys and row hashes inside the differing key ranges on both sides
   * (the comparison's {@code differingRanges}) and diffs them, naming up to {@code limit} keys on each side.
   * Rows are included only with {@code showRows}, since they may hold personal data. Reads both databases
   * from one worker; both should still be fenced, as at the verify gate.
   */
  TableDifference narrow(NarrowRequest request);

  /**
   * Before the freeze of a logical move, on one side: starts recording which rows change there (a logical
   * slot decoding a publication of every table, {@code cutover_<app>_<side>_changes}) and describes each
   * table's columns. A fingerprint taken after this returns is the baseline {@link #verifyChanges} re-checks
   * against. A side that cannot record (wal_level below logical, no free slot, not a superuser) says why in
   * {@code reason}; the move then re-reads everything at the freeze. Run again, it starts afresh.
   */
  ChangeLogStarted startChangeLog(ChangeLogRequest request);

  /**
   * At the freeze, with both sides fenced and caught up: fingerprints, on both sides, the rows whose keys
   * changed on either side since its change log started, the key ranges where the two baselines differed,
   * and in full every table whose columns changed, that was truncated, has no key or is unlogged. Together
   * with the baseline this proves the two databases equal (docs/architecture.md, "Verify before the freeze").
   */
  ChangesVerified verifyChanges(ChangesRequest request);

  /**
   * Before the freeze, after the baselines: inside the key ranges where the two baselines differed, lists
   * the keys whose rows differ now (each side read at its own moment). Only those keys, not the ranges,
   * are then re-read in the freeze: a key whose rows were equal here and that no change log saw since
   * stays equal. A table with more than {@code limit} such keys keeps its ranges.
   */
  BaselineKeys narrowBaselines(BaselineNarrowRequest request);

  /** Drops one side's change-log slot and publication; nothing to drop is fine. */
  void dropChangeLog(ChangeLogRequest request);

  /** Runs the settle guards on the source; a guard that errors counts as false, with the error. */
  List<GuardResult> checkGuards(GuardRequest request);

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

  record InspectRequest(String box, Database database) {}

  record DatabaseInfo(
      String box,
      boolean reachable,
      boolean exists,
      String error,
      Integer serverVersionNum,
      String serverVersion,
      Long sizeBytes,
      Integer userTables,
      String marker,
      boolean fenced,
      String fencedBy) {}

  record TargetRequest(String app, String moveId, String box, Database database) {}

  record TargetPrepared(boolean created, String marker) {}

  record FenceRequest(String app, String box, Database database) {}

  record FenceResult(
      boolean alreadyFenced, int sessionsEnded, String walPosition, String previousReadOnly) {}

  record CopyRequest(
      String app, String moveId, String sourceBox, Database source, String targetBox, Database target, Copy copy) {}

  record CopyResult(long bytes, int tables, long dumpMillis, long totalMillis) {}

  record ExtensionRequest(String sourceBox, Database source, String targetBox, Database target) {}

  /** Each missing entry reads {@code name version} as installed on the source, and why. */
  record ExtensionCheck(List<String> used, List<String> missing) {}

  record FingerprintRequest(String box, Database database, Verify verify) {}

  record NarrowRequest(
      String sourceBox,
      Database source,
      String targetBox,
      Database target,
      String table,
      List<KeyRange> ranges,
      int limit,
      boolean showRows) {}

  /**
   * {@code sourceKeys}: keys whose source row has no equal on the target (changed or missing there);
   * {@code targetKeys}: the same the other way round. A key in both lists was changed. {@code truncated}
   * when more keys differ than {@code limit}. Rows, keyed like the lists, only when asked for.
   */
  record TableDifference(
      String table,
      List<KeyRange> ranges,
      List<String> sourceKeys,
      List<String> targetKeys,
      Map<String, String> sourceRows,
      Map<String, String> targetRows,
      boolean truncated) {}

  /** {@code side}: "source" or "target", which names the slot, so both sides may share one server. */
  record ChangeLogRequest(String app, String side, String box, Database database) {}

  /**
   * {@code recording}: changes are being recorded from {@code startLsn} on; otherwise {@code reason} says
   * why not. {@code layouts}: per table, a digest of its columns, key and persistence at the start.
   */
  record ChangeLogStarted(boolean recording, String reason, String slot, String startLsn, Map<String, String> layouts) {}

  /**
   * {@code ranges}: per table, the key ranges where the two baselines differed (and that narrowing did not
   * reduce to {@code keys}, the keys whose rows differed inside them); {@code whole}: tables to
   * re-read in full (their baselines could not be compared range by range).
   */
  record ChangesRequest(
      String app,
      String sourceBox,
      Database source,
      String targetBox,
      Database target,
      Verify verify,
      Map<String, String> sourceLayouts,
      Map<String, String> targetLayouts,
      Map<String, List<KeyRange>> ranges,
      List<String> whole,
      Map<String, List<List<String>>> keys) {

    public ChangesRequest {
      keys = keys == null ? Map.of() : keys;
    }
  }

  record BaselineNarrowRequest(
      String sourceBox, Database source, String targetBox, Database target, Map<String, List<KeyRange>> ranges,
      int limit) {}

  /**
   * {@code keys}: per table, the keys (each as the text of its columns) whose rows differed;
   * {@code unresolved}: tables with more than the limit, whose ranges the freeze re-reads.
   */
  record BaselineKeys(Map<String, List<List<String>>> keys, List<String> unresolved, long rows, long millis) {}

  /** {@code changes}: data changes read from both change logs. */
  record ChangesVerified(List<TableRecheck> tables, long changes, long bytes, long millis) {}

  /**
   * One table re-checked at the freeze: {@code whole} with {@code why}, or {@code changedKeys} keys and
   * {@code ranges} key ranges; the rows and hash of that selection on each side.
   */
  record TableRecheck(
      String table,
      boolean whole,
      String why,
      int changedKeys,
      int ranges,
      long sourceRows,
      long targetRows,
      String sourceHash,
      String targetHash,
      boolean matches) {}

  record GuardRequest(String box, Database database, List<Settle.Guard> guards) {}

  record GuardResult(String name, boolean holds, String error) {}

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
      List<LogicalIssue> issues) {}

  /** One readiness finding: which check, what is wrong, and how to fix it. */
  record LogicalIssue(boolean blocking, String check, String problem, String fix) {}

  /**
   * {@code name}: the publication, subscription and slot. {@code reused}: a retry found this move's
   * subscription already running. {@code identityFull}: keyless tables pre-sync set to REPLICA IDENTITY FULL.
   */
  record LogicalStarted(String name, boolean reused, int tables, List<String> identityFull, long millis) {}

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
      boolean initialCopyDone) {}

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
      long totalMillis) {}
}
