package dev.cutover.workflow;

import dev.cutover.plan.Box;
import dev.cutover.verify.Comparisons;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.FingerprintActivities;
import dev.cutover.verify.FingerprintActivities.BaselineKeys;
import dev.cutover.verify.FingerprintActivities.BaselineNarrowRequest;
import dev.cutover.verify.FingerprintActivities.ChangeLogAdvance;
import dev.cutover.verify.FingerprintActivities.ChangeLogRequest;
import dev.cutover.verify.FingerprintActivities.ChangeLogStarted;
import dev.cutover.verify.FingerprintActivities.ChangesRequest;
import dev.cutover.verify.FingerprintActivities.ChangesVerified;
import dev.cutover.verify.FingerprintActivities.RebaselineRequest;
import dev.cutover.verify.FingerprintActivities.Rebaselined;
import dev.cutover.verify.FingerprintActivities.TableDifference;
import dev.cutover.verify.FingerprintActivities.TableRecheck;
import dev.cutover.verify.KeyRange;
import dev.cutover.verify.ObjectComparisons;
import dev.cutover.verify.ObjectDifference;
import dev.cutover.verify.Rechecks;
import dev.cutover.verify.TableComparison;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;

/**
 * Phase 8, the verify gate: both sides' fingerprints must match, or the move rolls back naming the rows that
 * differ. A logical move prepares it before the freeze (change logs and baselines, narrowed to keys), so that
 * inside the freeze only what changed since is re-read. Keeps what the status shows of it.
 */
final class FingerprintGate {

  private static final Logger log = Workflow.getLogger(FingerprintGate.class);
  /**
   * Past this many differing keys in one table, narrowing keeps the table's ranges; past this many keys to
   * carry, a pass before the freeze is not used (the history stays small).
   */
  private static final int BASELINE_KEYS = 10_000;
  /** Passes before the freeze: at most this many, and none after one that read at most FEW_CHANGES. */
  private static final int MAX_PASSES = 3;
  /** About 10 s of changes at 200 writes/s: the freeze reads as many in well under 100 ms. */
  private static final long FEW_CHANGES = 5_000;
  /** Objects named in the failure's one line; the status lists them all. */
  private static final int OBJECTS_NAMED = 10;

  private final MoveRequest move;
  private final Steps steps;
  private final FingerprintActivities fingerprints;
  private final BothSides sides;

  private List<TableComparison> comparisons = List.of();
  private final List<TableDifference> differences = new ArrayList<>();
  private List<ObjectDifference> objectDifferences = List.of();
  private DatabaseFingerprint verifiedTarget;
  /** Logical moves: both sides' change logs and fingerprints from before the freeze, or null. */
  private List<ChangeLogStarted> changeLogs;
  private List<DatabaseFingerprint> baselines;
  /** What narrowing turned the baselines' differing ranges into, or null when it did not run. */
  private BaselineKeys baselineKeys;
  /** The last pass that moved the baselines up (and the change logs on), or null. */
  private Rebaselined lastPass;
  /** Tables the passes found a change log could not key, with why: re-read whole in the freeze. */
  private final Map<String, String> wholeSince = new TreeMap<>();

  FingerprintGate(MoveRequest move, Steps steps, FingerprintActivities fingerprints) {
    this.move = move;
    this.steps = steps;
    this.fingerprints = fingerprints;
    this.sides = new BothSides(fingerprints, move.source(), move.target(), BothSides.owners(move.plan()));
  }

  List<TableComparison> comparisons() {
    return comparisons;
  }

  List<TableDifference> differences() {
    return differences;
  }

  List<ObjectDifference> objectDifferences() {
    return objectDifferences;
  }

  boolean hasChangeLogs() {
    return changeLogs != null;
  }

  /** Both sides now, as one step. */
  List<DatabaseFingerprint> fingerprintBoth(Phase at, String name) {
    return steps.run(at, name, () -> sides.fingerprint(move.plan().verify()), sides::describe);
  }

  /**
   * Logical moves: a change log on each side, then both fingerprinted while the app still serves, so the
   * freeze re-checks only what changed since (FingerprintActivities.verifyChanges) and the blackout does not
   * grow with the database. A side that cannot record leaves the freeze to read every row, as before.
   */
  void prepareBeforeFreeze(Rollback saga) {
    saga.addCompensation(() -> steps.run(Phase.ROLLBACK, "drop the change logs", this::dropChangeLogs, "done"));
    String name = "start change logs on both sides";
    List<Promise<ChangeLogStarted>> started = steps.scheduleFor(name, () -> List.of(
        Async.function(fingerprints::startChangeLog, move.changeLog(move.source())),
        Async.function(fingerprints::startChangeLog, move.changeLog(move.target()))));
    List<ChangeLogStarted> logs = steps.run(Phase.SETTLE, name,
        () -> List.of(started.get(0).get(), started.get(1).get()), this::describeChangeLogs);
    if (!logs.get(0).recording() || !logs.get(1).recording()) {
      dropChangeLogs();
      return;
    }
    baselines = fingerprintBoth(Phase.SETTLE, "fingerprint both sides before the freeze");
    changeLogs = logs;
    // The baselines are of two moments, so they differ wherever a change was in flight; left as ranges,
    // those chunks would be re-read inside the freeze (seconds at 3 GB). Narrowed here, only keys are.
    if (Workflow.getVersion("narrow-baselines", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return;
    }
    Rechecks.Plan recheck = Rechecks.plan(baselines.get(0), baselines.get(1));
    Box source = move.source();
    Box target = move.target();
    if (!recheck.ranges().isEmpty()) {
      baselineKeys = steps.run(Phase.SETTLE, "narrow where the fingerprints before the freeze differ",
          () -> fingerprints.narrowBaselines(new BaselineNarrowRequest(source.name(), source.database(),
              target.name(), target.database(), recheck.ranges(), BASELINE_KEYS)),
          BaselineKeys::summary);
    }
    moveBaselinesUp();
  }

  /**
   * The baselines are as old as a fingerprint of the database takes (70 s at 3 GB), and the freeze would
   * read every change since (48 569 of them, 342 ms). A pass compares what changed since on both sides
   * now and carries only what still differs; the change logs then move on past it, and the freeze reads
   * the changes of the last pass's few seconds. A pass that read many changes is followed by another.
   * Each pass is recorded before its logs move on, so a retried or replayed move never loses what it carries.
   */
  private void moveBaselinesUp() {
    if (Workflow.getVersion("rebaseline", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return;
    }
    Box source = move.source();
    Box target = move.target();
    for (int pass = 1; pass <= MAX_PASSES; pass++) {
      Map<String, List<List<String>>> keys = carriedKeys();
      Rebaselined moved = steps.run(Phase.SETTLE, "move the fingerprints before the freeze up to now"
              + (pass == 1 ? "" : " (pass " + pass + ")"),
          () -> fingerprints.rebaseline(new RebaselineRequest(move.plan().app(), source.name(), source.database(),
              target.name(), target.database(), move.plan().verify(), keys, BASELINE_KEYS)),
          Rebaselined::summary);
      if (moved.unusable() != null) {
        return;
      }
      lastPass = moved;
      // Kept from every pass: the logs move on past the change that made a table whole.
      wholeSince.putAll(moved.whole());
      List<String> to = new ArrayList<>();
      if (moved.sourceLsn() != null) {
        to.add(moved.sourceLsn() + " on " + source.name());
      }
      if (moved.targetLsn() != null) {
        to.add(moved.targetLsn() + " on " + target.name());
      }
      if (!to.isEmpty()) {
        steps.run(Phase.SETTLE, "move the change logs on past it", () -> {
          List<Promise<Void>> both = new ArrayList<>();
          advance(both, source, moved.sourceLsn());
          advance(both, target, moved.targetLsn());
          both.forEach(Promise::get);
        }, "to " + String.join(", ", to));
      }
      if (moved.changes() <= FEW_CHANGES) {
        return;
      }
    }
  }

  private void advance(List<Promise<Void>> into, Box box, String lsn) {
    if (lsn != null) {
      ChangeLogRequest log = move.changeLog(box);
      into.add(Async.procedure(fingerprints::advanceChangeLog,
          new ChangeLogAdvance(log.app(), log.side(), log.box(), log.database(), lsn)));
    }
  }

  /** What the freeze re-reads besides the changes its logs recorded: the last pass's, else narrowing's. */
  private Map<String, List<List<String>>> carriedKeys() {
    if (lastPass != null) {
      return lastPass.keys();
    }
    return baselineKeys != null ? baselineKeys.keys() : Map.of();
  }

  private String describeChangeLogs(List<ChangeLogStarted> logs) {
    List<String> out = new ArrayList<>();
    List<Box> boxes = List.of(move.source(), move.target());
    for (int i = 0; i < 2; i++) {
      out.add(boxes.get(i).name() + ": " + logs.get(i).summary());
    }
    return String.join("; ", out);
  }

  void dropChangeLogs() {
    Promise<Void> s = Async.procedure(fingerprints::dropChangeLog, move.changeLog(move.source()));
    Promise<Void> t = Async.procedure(fingerprints::dropChangeLog, move.changeLog(move.target()));
    s.get();
    t.get();
  }

  /** The gate itself: passes, or throws {@link StopMove} naming the tables that differ. */
  void check() {
    if (baselines != null && recheckedEqual()) {
      return;
    }
    List<DatabaseFingerprint> both = fingerprintBoth(Phase.VERIFY, "fingerprint both sides");
    comparisons = Comparisons.compare(both.get(0), both.get(1));
    objectDifferences = BothSides.objects(both);
    if (!Comparisons.allMatch(comparisons) || !objectDifferences.isEmpty()) {
      narrowDifferences();
      List<String> differing = new ArrayList<>();
      comparisons.stream().filter(c -> !c.matches()).forEach(c -> differing.add(c.table() + " (" + c.difference() + ")"));
      objectDifferences.stream().limit(OBJECTS_NAMED).forEach(o -> differing.add(o.describe()));
      if (objectDifferences.size() > OBJECTS_NAMED) {
        differing.add((objectDifferences.size() - OBJECTS_NAMED) + " more objects (see the status)");
      }
      throw new StopMove(Outcome.ROLLED_BACK, "verify gate failed: fingerprints differ: " + String.join(", ", differing));
    }
    verifiedTarget = both.get(1);
  }

  /**
   * Re-checks what the baselines cannot vouch for. True when every table matches. Otherwise the caller
   * fingerprints everything, which names the differing ranges and rows as a verify without baselines does.
   */
  private boolean recheckedEqual() {
    Box source = move.source();
    Box target = move.target();
    Rechecks.Plan recheck = Rechecks.plan(baselines.get(0), baselines.get(1));
    Map<String, List<KeyRange>> ranges = new TreeMap<>(recheck.ranges());
    if (baselineKeys != null) {
      ranges.keySet().retainAll(baselineKeys.unresolved());
    }
    Map<String, List<List<String>>> carried = carriedKeys();
    Map<String, String> whole = Map.copyOf(wholeSince);
    ChangesVerified result = steps.run(Phase.VERIFY, "re-check what changed since the fingerprints before the freeze",
        () -> fingerprints.verifyChanges(new ChangesRequest(move.plan().app(), source.name(), source.database(),
            target.name(), target.database(), move.plan().verify(), changeLogs.get(0).layouts(),
            changeLogs.get(1).layouts(), ranges, recheck.whole(), carried, true, sides.owners(), whole)),
        ChangesVerified::summary);
    comparisons = Rechecks.comparisons(baselines.get(0), baselines.get(1), result.tables());
    // The objects were read whole inside the freeze (a recorded re-check without them compares none).
    objectDifferences =
        ObjectComparisons.compare(source.name(), result.sourceObjects(), target.name(), result.targetObjects());
    if (result.tables().stream().allMatch(TableRecheck::matches) && objectDifferences.isEmpty()) {
      return true;
    }
    log.warn("the re-check at the freeze found differences; fingerprinting every row to name them");
    return false;
  }

  /**
   * Before rolling back, name the rows that differ (keys only: rows may be personal data), so the
   * operator can see what the copy got wrong. Best effort: the rollback does not wait on it.
   */
  private void narrowDifferences() {
    for (TableComparison table : comparisons) {
      if (!BothSides.narrowable(table)) {
        continue;
      }
      try {
        differences.add(steps.run(Phase.VERIFY, "find differing rows in " + table.table(),
            () -> sides.narrow(table, false), sides::describe));
      } catch (TemporalFailure e) {
        log.warn("could not narrow the differences in {}: {}", table.table(), Steps.reason(e));
      }
    }
  }

  /**
   * After the switch, with the target fenced again: whether it still holds exactly what the gate verified,
   * so flipping back loses nothing.
   */
  boolean targetUnchanged() {
    if (verifiedTarget != null) {
      DatabaseFingerprint now = steps.run(Phase.ROLLBACK, "fingerprint target again",
          () -> fingerprints.fingerprint(move.fingerprint(move.target())), r -> r.tables().size() + " tables");
      return Comparisons.allMatch(Comparisons.compare(verifiedTarget, now))
          && ObjectComparisons.compare(verifiedTarget, now).isEmpty();
    }
    // Verified by a re-check, so there is no whole fingerprint of the target to compare with. The
    // source has stayed fenced since, so a target still equal to it has taken no writes.
    List<DatabaseFingerprint> both = fingerprintBoth(Phase.ROLLBACK, "fingerprint both sides again");
    return Comparisons.allMatch(Comparisons.compare(both.get(0), both.get(1))) && BothSides.objects(both).isEmpty();
  }
}
