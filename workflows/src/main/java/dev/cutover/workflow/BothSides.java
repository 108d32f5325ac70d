package dev.cutover.workflow;

import dev.cutover.plan.Box;
import dev.cutover.plan.Verify;
import dev.cutover.verify.DatabaseFingerprint;
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

  BothSides(FingerprintActivities fingerprints, Box source, Box target) {
    this.fingerprints = fingerprints;
    this.source = source;
    this.target = target;
  }

  /** Source first, then target; both at once, so the cost is the slower side, not the sum. */
  List<DatabaseFingerprint> fingerprint(Verify verify) {
    Promise<DatabaseFingerprint> s =
        Async.function(fingerprints::fingerprint, new FingerprintRequest(source.name(), source.database(), verify));
    Promise<DatabaseFingerprint> t =
        Async.function(fingerprints::fingerprint, new FingerprintRequest(target.name(), target.database(), verify));
    return List.of(s.get(), t.get());
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
    return both.get(0).tables().size() + " tables, " + both.get(0).millis() + " ms / " + both.get(1).millis() + " ms";
  }

  String describe(TableDifference d) {
    return "keys differing on " + source.name() + ": " + d.sourceKeys() + ", on " + target.name() + ": "
        + d.targetKeys() + (d.truncated() ? " (more not shown)" : "");
  }
}
