package dev.cutover.workflow;

import dev.cutover.verify.FingerprintActivities.TableDifference;
import dev.cutover.plan.Plan;
import dev.cutover.plan.Verify;
import dev.cutover.verify.ObjectDifference;
import dev.cutover.verify.TableComparison;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;

/**
 * Fingerprints both databases of a plan now and compares them, moving nothing: the check an operator
 * runs any time, and after a rehearsal. It runs as a workflow so the command line never needs database
 * access or passwords; the worker does the reading.
 */
@WorkflowInterface
public interface CompareWorkflow {

  @WorkflowMethod
  CompareResult compare(CompareRequest request);

  /**
   * {@code verify} chooses tables and sums. {@code showRows} puts the differing rows themselves in the
   * result, and so in the workflow's history: only when asked, since rows may be personal data.
   */
  record CompareRequest(Plan plan, Verify verify, boolean showRows) {}

  /**
   * {@code objects}: the objects beyond table rows that differ (schema, sequences, large objects,
   * materialized views), {@code objectsCompared} how many the source has; {@code allMatch} covers both.
   */
  record CompareResult(List<TableComparison> tables, List<TableDifference> differences, boolean allMatch, long millis,
      List<ObjectDifference> objects, int objectsCompared) {

    public CompareResult {
      objects = objects == null ? List.of() : List.copyOf(objects);
    }
  }

  static String workflowIdFor(String app) {
    return "cutover-compare-" + app;
  }
}
