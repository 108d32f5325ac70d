package dev.cutover.workflow;

import dev.cutover.plan.Box;
import dev.cutover.plan.Copy;
import dev.cutover.plan.Plan;
import dev.cutover.plan.Verify;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.DatabaseObject;
import dev.cutover.verify.ObjectComparisons;
import dev.cutover.verify.ObjectDifference;
import dev.cutover.verify.FingerprintActivities;
import dev.cutover.verify.FingerprintActivities.FingerprintRequest;
import dev.cutover.verify.FingerprintActivities.NarrowRequest;
import dev.cutover.verify.FingerprintActivities.TableDifference;
import dev.cutover.verify.TableComparison;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import java.util.List;

/**
 * The two databases of a plan fingerprinted together and their differences named: shared by the move's
 * verify gate and {@code cutover compare}, so both read the same way.
 */
final class BothSides {

  /** Keys shown per side for a table that differs: enough to point at what the copy got wrong. */
  static final int DIFFERING_KEYS_SHOWN = 20;

  private final FingerprintActivities fingerprints;
  private final Box source;
  private final Box target;
  private final boolean owners;

  BothSides(FingerprintActivities fingerprints, Plan plan) {
    this(fingerprints, plan.source(), plan.target(), owners(plan));
  }

  BothSides(FingerprintActivities fingerprints, Box source, Box target, boolean owners) {
    this.fingerprints = fingerprints;
    this.source = source;
    this.target = target;
    this.owners = owners;
  }

  /**
   * Owners and grants are part of the proof only when the copy keeps them: with {@code target-user} the
   * target's objects belong to the mover and carry no grants, by design.
   */
  static boolean owners(Plan plan) {
    return plan.copy().owner() == Copy.Owner.KEEP;
  }

  boolean owners() {
    return owners;
  }

  /**
   * Source first, then target; both at once, so the cost is the slower side, not the sum. Rows and, in the
   * same snapshot, every other object of the database.
   */
  List<DatabaseFingerprint> fingerprint(Verify verify) {
    Promise<DatabaseFingerprint> s = Async.function(fingerprints::fingerprint,
        new FingerprintRequest(source.name(), source.database(), verify, true, owners));
    Promise<DatabaseFingerprint> t = Async.function(fingerprints::fingerprint,
        new FingerprintRequest(target.name(), target.database(), verify, true, owners));
    return List.of(s.get(), t.get());
  }

  /** The objects that differ between the two sides, named. */
  static List<ObjectDifference> objects(List<DatabaseFingerprint> both) {
    return ObjectComparisons.compare(both.get(0), both.get(1));
  }

  /** Whether narrowing can name the rows of this table: it differs in ranges its chunks name. */
  static boolean narrowable(TableComparison table) {
    return !table.matches() && table.differingRanges() != null && !table.differingRanges().isEmpty();
  }

  /** The keys (and with {@code showRows} the rows) that differ inside the table's differing ranges. */
  TableDifference narrow(TableComparison table, boolean showRows) {
    return fingerprints.narrow(new NarrowRequest(source.name(), source.database(), target.name(), target.database(),
        table.table(), table.differingRanges(), DIFFERING_KEYS_SHOWN, showRows));
  }

  String describe(List<DatabaseFingerprint> both) {
    List<DatabaseObject> objects = both.get(0).objects();
    return both.get(0).tables().size() + " tables" + (objects == null ? "" : ", " + objects.size() + " objects") + ", "
        + both.get(0).millis() + " ms / " + both.get(1).millis() + " ms";
  }

  String describe(TableDifference d) {
    return "keys differing on " + source.name() + ": " + d.sourceKeys() + ", on " + target.name() + ": "
        + d.targetKeys() + (d.truncated() ? " (more not shown)" : "");
  }
}
