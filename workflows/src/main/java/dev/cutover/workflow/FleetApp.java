package dev.cutover.workflow;

import dev.cutover.plan.Plan;
import dev.cutover.verify.TableComparison;
import dev.cutover.workflow.FleetStatus.Gate;
import java.util.EnumSet;
import java.util.Set;

/**
 * One app of a fleet, as the parent tracks it: its child move's stub, the last phase the child reported,
 * whether the parent has released it past its gate, and its result once it ends.
 */
final class FleetApp {

  /** Phases after the gate: a child in one of them holds a slot even if someone confirmed it directly. */
  private static final Set<Phase> PAST_GATE =
      EnumSet.of(Phase.SETTLE, Phase.FREEZE, Phase.COPY, Phase.VERIFY, Phase.SWITCH, Phase.VERIFY_LIVE, Phase.REPORT);

  final Plan plan;
  CutoverWorkflow child;
  boolean started;
  Phase phase;
  private long sequence = -1;
  /** The confirm that counts for this app ({@code each}), or null. */
  Decision confirmed;
  boolean released;
  boolean abortSent;
  CutoverResult result;
  /** Set when the child could not start or failed without a result (terminated, not found). */
  String failure;

  FleetApp(Plan plan) {
    this.plan = plan;
  }

  String app() {
    return plan.app();
  }

  boolean ended() {
    return result != null || failure != null;
  }

  /** Keeps the latest report: signals from one child may overtake each other. */
  void progress(FleetWorkflow.ChildProgress report) {
    if (report.sequence() > sequence) {
      sequence = report.sequence();
      phase = report.phase();
    }
  }

  boolean atGate() {
    return !ended() && !released && phase == Phase.CONFIRM;
  }

  boolean pastGate() {
    return !ended() && (released || phase != null && PAST_GATE.contains(phase));
  }

  Gate gate(boolean confirmed) {
    if (ended()) {
      return Gate.ENDED;
    }
    if (pastGate()) {
      return Gate.PAST_GATE;
    }
    if (!started) {
      return Gate.STARTING;
    }
    if (phase != Phase.CONFIRM) {
      return Gate.BEFORE_GATE;
    }
    return confirmed ? Gate.QUEUED : Gate.AT_GATE;
  }

  Outcome outcome() {
    return result != null ? result.outcome() : failure != null ? Outcome.FAILED : null;
  }

  Long blackoutMillis() {
    return result == null ? null : result.status().blackoutMillis();
  }

  /** Rows on the source the target lacked when the verify gate compared them; null when it never compared. */
  Long lost() {
    if (result == null || result.status().fingerprints().isEmpty()) {
      return null;
    }
    long lost = 0;
    for (TableComparison t : result.status().fingerprints()) {
      if (t.sourceRows() != null && t.targetRows() != null && t.sourceRows() > t.targetRows()) {
        lost += t.sourceRows() - t.targetRows();
      }
    }
    return lost;
  }

  String summary() {
    return result != null ? result.summary() : failure;
  }

  FleetStatus.App line(boolean confirmed) {
    Phase shown = result != null ? result.status().phase() : phase;
    return new FleetStatus.App(app(), plan.workflowId(), shown, gate(confirmed), outcome(), blackoutMillis(), lost(),
        summary());
  }

  FleetResult.AppOutcome outcomeRecord() {
    return new FleetResult.AppOutcome(app(), outcome(), summary(), blackoutMillis(), lost());
  }
}
