package dev.cutover.database;

import dev.cutover.plan.Copy;
import dev.cutover.plan.Database;
import dev.cutover.plan.Settle;
import dev.cutover.plan.Verify;
import dev.cutover.verify.DatabaseFingerprint;
import io.temporal.activity.ActivityInterface;
import dev.cutover.verify.KeyRange;
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

  /** Runs the settle guards on the source; a guard that errors counts as false, with the error. */
  List<GuardResult> checkGuards(GuardRequest request);

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

  record GuardRequest(String box, Database database, List<Settle.Guard> guards) {}

  record GuardResult(String name, boolean holds, String error) {}
}
