package dev.cutover.workflow;

import dev.cutover.database.DatabaseActivities;
import dev.cutover.database.DatabaseActivities.FingerprintRequest;
import dev.cutover.database.DatabaseActivities.NarrowRequest;
import dev.cutover.database.DatabaseActivities.TableDifference;
import dev.cutover.plan.Box;
import dev.cutover.verify.Comparisons;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.TableComparison;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;

/** Both sides at once, then, for every table that differs, the keys (and on request the rows) that do. */
public class CompareWorkflowImpl implements CompareWorkflow {

  private static final int DIFFERING_KEYS_SHOWN = 20;

  private final DatabaseActivities database =
      Workflow.newActivityStub(DatabaseActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.DATABASE);

  @Override
  public CompareResult compare(CompareRequest request) {
    long started = Workflow.currentTimeMillis();
    Box source = request.plan().source();
    Box target = request.plan().target();
    Promise<DatabaseFingerprint> s =
        Async.function(database::fingerprint, new FingerprintRequest(source.name(), source.database(), request.verify()));
    Promise<DatabaseFingerprint> t =
        Async.function(database::fingerprint, new FingerprintRequest(target.name(), target.database(), request.verify()));
    List<TableComparison> tables = Comparisons.compare(s.get(), t.get());
    List<TableDifference> differences = new ArrayList<>();
    for (TableComparison table : tables) {
      if (!table.matches() && table.differingRanges() != null && !table.differingRanges().isEmpty()) {
        differences.add(database.narrow(new NarrowRequest(source.name(), source.database(), target.name(),
            target.database(), table.table(), table.differingRanges(), DIFFERING_KEYS_SHOWN, request.showRows())));
      }
    }
    return new CompareResult(tables, differences, Comparisons.allMatch(tables), Workflow.currentTimeMillis() - started);
  }
}
