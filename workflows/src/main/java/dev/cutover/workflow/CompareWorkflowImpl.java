package dev.cutover.workflow;

import dev.cutover.verify.Comparisons;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.FingerprintActivities;
import dev.cutover.verify.FingerprintActivities.TableDifference;
import dev.cutover.verify.ObjectDifference;
import dev.cutover.verify.TableComparison;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;

/**
 * Both sides at once (rows and objects), then, for every table that differs, the keys (and on request the rows)
 * that do; every object that differs is named with how.
 */
public class CompareWorkflowImpl implements CompareWorkflow {

  private final FingerprintActivities fingerprints =
      Workflow.newActivityStub(FingerprintActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.FINGERPRINT);

  @Override
  public CompareResult compare(CompareRequest request) {
    long started = Workflow.currentTimeMillis();
    BothSides sides = new BothSides(fingerprints, request.plan());
    List<DatabaseFingerprint> both = sides.fingerprint(request.verify());
    List<TableComparison> tables = Comparisons.compare(both.get(0), both.get(1));
    List<ObjectDifference> objects = BothSides.objects(both);
    List<TableDifference> differences = new ArrayList<>();
    for (TableComparison table : tables) {
      if (BothSides.narrowable(table)) {
        differences.add(sides.narrow(table, request.showRows()));
      }
    }
    int compared = both.get(0).objects() == null ? 0 : both.get(0).objects().size();
    return new CompareResult(tables, differences, Comparisons.allMatch(tables) && objects.isEmpty(),
        Workflow.currentTimeMillis() - started, objects, compared);
  }
}
