package dev.cutover.workflow;

import dev.cutover.plan.FleetConfirm;
import java.util.List;

/**
 * What the fleet's {@code status} query answers: one line per app, in the fleet file's order, and totals.
 * A stable JSON shape for {@code cutover status --fleet NAME --json}.
 */
public record FleetStatus(
    String name,
    int maxConcurrent,
    FleetConfirm confirm,
    Decision confirmed,
    Decision aborted,
    List<App> apps,
    Totals totals) {

  public FleetStatus {
    apps = List.copyOf(apps);
  }

  /** Where one app stands, as far as the fleet knows. */
  public enum Gate {
    /** Its move is being started. */
    STARTING,
    /** Before its confirm gate (preflight, prepare, presync). */
    BEFORE_GATE,
    /** Waiting at its confirm gate for the fleet's confirm. */
    AT_GATE,
    /** Confirmed, waiting for one of the maxConcurrent slots. */
    QUEUED,
    /** Released by the fleet: settling, freezing, switching. Counts against maxConcurrent. */
    PAST_GATE,
    ENDED
  }

  /**
   * One app. {@code phase} is the last phase its move reported; {@code blackoutMillis} and {@code lost} are
   * known once it ends. {@code lost}: rows the verify gate counted on the source but not on the target,
   * summed over tables (0 when every fingerprint matched; null when it never compared).
   */
  public record App(
      String app, String workflowId, Phase phase, Gate gate, Outcome outcome, Long blackoutMillis, Long lost,
      String summary) {}

  /** {@code pastGate} is never above maxConcurrent: the fleet releases an app only into a free slot. */
  public record Totals(
      int apps, int ended, int completed, int rolledBack, int aborted, int failed, int blocked, int pastGate,
      long lost) {}
}
