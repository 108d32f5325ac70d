package dev.cutover.verify;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.cutover.plan.Database;
import dev.cutover.plan.Verify;
import io.temporal.activity.ActivityInterface;
import java.util.List;
import java.util.Map;

/**
 * The proof that nothing was lost: fingerprints of one side, the rows behind a difference, and the change
 * logs that let the freeze re-check only what changed since fingerprints taken before it. Reads only, but
 * for the change logs' slots and publications, which are dropped again on every path.
 */
@ActivityInterface
public interface FingerprintActivities {

  /**
   * Row counts, column sums and a content hash for every selected table; with {@code objects}, in the same
   * snapshot, the database's other objects ({@link DatabaseObject}: schema, sequences, large objects,
   * materialized views), owners and grants among them only with {@code owners}.
   */
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
   * With {@code objects}, each side's objects are read whole in the same snapshots (they are small).
   */
  ChangesVerified verifyChanges(ChangesRequest request);

  /**
   * Before the freeze, after the baselines: inside the key ranges where the two baselines differed, lists
   * the keys whose rows differ now (each side read at its own moment). Only those keys, not the ranges,
   * are then re-read in the freeze: a key whose rows were equal here and that no change log saw since
   * stays equal. A table with more than {@code limit} such keys keeps its ranges.
   */
  BaselineKeys narrowBaselines(BaselineNarrowRequest request);

  /**
   * Before the freeze, after the baselines (or an earlier pass): moves them up to now. Compares, on both
   * sides at once, the rows of every key either change log saw since it last moved on, and of {@code keys}
   * (what is carried so far). Returns what the freeze must still re-read besides the changes recorded after
   * this pass: the keys whose rows differ now, and the keys changed by a transaction this pass's snapshots
   * do not see; and where each change log may move on to ({@link #advanceChangeLog}). Reads only: run
   * again, it reads the same changes. The argument is in docs/architecture.md ("Moving the baselines up").
   */
  Rebaselined rebaseline(RebaselineRequest request);

  /**
   * Moves one side's change log on to {@code lsn} (a {@link Rebaselined} position), so the freeze reads
   * only the changes after it. Never backwards: run again, it changes nothing. A log that is gone fails.
   */
  void advanceChangeLog(ChangeLogAdvance request);

  /** Drops one side's change-log slot and publication; nothing to drop is fine. */
  void dropChangeLog(ChangeLogRequest request);

  record FingerprintRequest(String box, Database database, Verify verify, Boolean objects, Boolean owners) {

    public FingerprintRequest {
      objects = objects != null && objects;
      owners = owners != null && owners;
    }

    /** Table rows only. */
    public FingerprintRequest(String box, Database database, Verify verify) {
      this(box, database, verify, false, false);
    }
  }

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
  record ChangeLogStarted(boolean recording, String reason, String slot, String startLsn, Map<String, String> layouts) {

    @JsonIgnore
    public String summary() {
      return recording ? "recording from " + startLsn
          : "cannot record (" + reason + "); the freeze will re-read every row";
    }
  }

  /**
   * {@code ranges}: per table, the key ranges where the two baselines differed (and that narrowing did not
   * reduce to {@code keys}, the keys whose rows differed inside them, or that a pass before the freeze
   * carried); {@code whole}: tables to re-read in full (their baselines could not be compared range by
   * range); {@code wholeSince}: the same, found by a pass before the freeze (why, per table).
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
      Map<String, List<List<String>>> keys,
      Boolean objects,
      Boolean owners,
      Map<String, String> wholeSince) {

    public ChangesRequest {
      keys = keys == null ? Map.of() : keys;
      objects = objects != null && objects;
      owners = owners != null && owners;
      wholeSince = wholeSince == null ? Map.of() : wholeSince;
    }

    /** Table rows only. */
    public ChangesRequest(String app, String sourceBox, Database source, String targetBox, Database target,
        Verify verify, Map<String, String> sourceLayouts, Map<String, String> targetLayouts,
        Map<String, List<KeyRange>> ranges, List<String> whole, Map<String, List<List<String>>> keys) {
      this(app, sourceBox, source, targetBox, target, verify, sourceLayouts, targetLayouts, ranges, whole, keys,
          false, false, Map.of());
    }
  }

  /** {@code keys}: per table, the keys carried so far; past {@code limit} keys to carry, the pass is not used. */
  record RebaselineRequest(String app, String sourceBox, Database source, String targetBox, Database target,
      Verify verify, Map<String, List<List<String>>> keys, int limit) {}

  /**
   * {@code keys}: per table, the keys the freeze re-reads besides the changes recorded after
   * {@code sourceLsn} and {@code targetLsn} (null: that log recorded no commit since it last moved on);
   * {@code whole}: tables whose changes a log could not key (truncated, no key in a change), with why,
   * re-read in full; {@code changes}: changes read from both logs; {@code unusable}: why this pass
   * must not be used (more keys to carry than the limit), and then nothing may move on.
   */
  record Rebaselined(Map<String, List<List<String>>> keys, Map<String, String> whole, String sourceLsn,
      String targetLsn, long changes, long comparedKeys, long millis, String unusable) {

    @JsonIgnore
    public String summary() {
      if (unusable != null) {
        return "not used: " + unusable;
      }
      return changes + " changes read, " + comparedKeys + " keys compared; " + keys.values().stream()
          .mapToInt(List::size).sum() + " carried to the freeze" + (whole.isEmpty() ? "" : ", whole: "
          + String.join(", ", whole.keySet())) + "; in " + millis + " ms";
    }
  }

  record ChangeLogAdvance(String app, String side, String box, Database database, String lsn) {}

  record BaselineNarrowRequest(
      String sourceBox, Database source, String targetBox, Database target, Map<String, List<KeyRange>> ranges,
      int limit) {}

  /**
   * {@code keys}: per table, the keys (each as the text of its columns) whose rows differed;
   * {@code unresolved}: tables with more than the limit, whose ranges the freeze re-reads.
   */
  record BaselineKeys(Map<String, List<List<String>>> keys, List<String> unresolved, long rows, long millis) {

    @JsonIgnore
    public String summary() {
      return keys.values().stream().mapToInt(List::size).sum() + " differing keys in " + keys.size() + " tables"
          + (unresolved.isEmpty() ? "" : "; ranges kept for " + unresolved) + "; " + rows + " rows read in " + millis
          + " ms";
    }
  }

  /**
   * {@code changes}: data changes read from both change logs. {@code sourceObjects}, {@code targetObjects}:
   * each side's objects in the re-check's snapshots, or null when not asked for (or recorded before).
   */
  record ChangesVerified(List<TableRecheck> tables, long changes, long bytes, long millis,
      List<DatabaseObject> sourceObjects, List<DatabaseObject> targetObjects) {

    public ChangesVerified(List<TableRecheck> tables, long changes, long bytes, long millis) {
      this(tables, changes, bytes, millis, null, null);
    }

    @JsonIgnore
    public String summary() {
      long keys = tables.stream().mapToLong(TableRecheck::changedKeys).sum();
      long ranges = tables.stream().mapToLong(TableRecheck::ranges).sum();
      List<String> whole = tables.stream().filter(TableRecheck::whole).map(TableRecheck::table).toList();
      long differing = tables.stream().filter(t -> !t.matches()).count();
      return changes + " changes read; " + keys + " changed keys and " + ranges + " differing ranges re-read"
          + (whole.isEmpty() ? "" : ", whole: " + String.join(", ", whole)) + "; " + bytes + " bytes in "
          + millis + " ms; " + (differing == 0 ? "every table matches" : differing + " tables differ");
    }
  }

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
}
