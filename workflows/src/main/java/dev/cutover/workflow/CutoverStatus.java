package dev.cutover.workflow;

import dev.cutover.database.CopyActivities.LogicalLag;
import dev.cutover.preflight.Finding;
import dev.cutover.verify.FingerprintActivities.TableDifference;
import dev.cutover.verify.ObjectDifference;
import dev.cutover.verify.TableComparison;
import java.util.List;

/**
 * Everything the {@code status} query answers, as one immutable snapshot: a stable JSON shape for
 * {@code cutover status --json}. Times are epoch millis of workflow time.
 */
public record CutoverStatus(
    String app,
    String source,
    String target,
    Phase phase,
    boolean rehearsal,
    boolean waitingForConfirm,
    boolean stale,
    Outcome outcome,
    List<StepStatus> steps,
    List<Finding> findings,
    List<TableComparison> fingerprints,
    Long estimatedBlackoutMillis,
    Long blackoutStartedAt,
    Long blackoutEndedAt,
    Decision confirmed,
    Decision aborted,
    String failure,
    List<TableDifference> differences,
    LogicalLag replication,
    List<ObjectDifference> objectDifferences,
    /** How long the freeze may run before the move rolls back (freeze.maxBlackout, or its default), or null. */
    Long freezeBudgetMillis) {

  public CutoverStatus {
    steps = List.copyOf(steps);
    findings = List.copyOf(findings);
    fingerprints = List.copyOf(fingerprints);
    differences = differences == null ? List.of() : List.copyOf(differences);
    objectDifferences = objectDifferences == null ? List.of() : List.copyOf(objectDifferences);
  }

  /** Whether the freeze is under way now: begun, not yet flipped, and neither ended nor being undone. */
  public boolean frozen() {
    return blackoutStartedAt != null && blackoutEndedAt == null && outcome == null && phase != Phase.ROLLBACK;
  }

  public Long blackoutMillis() {
    return blackoutStartedAt == null || blackoutEndedAt == null ? null : blackoutEndedAt - blackoutStartedAt;
  }
}
