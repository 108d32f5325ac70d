package dev.cutover.workflow;

import dev.cutover.plan.Box;
import dev.cutover.plan.FrontDoor;
import dev.cutover.plan.Plan;
import io.temporal.workflow.Workflow;
import java.util.List;

/**
 * The blackout the gate shows and the budget is checked against, made before anything is frozen: what the
 * rehearsal timed (the copy and the fingerprints, or for a logical move the catch-up and the re-check they
 * imply) plus the freeze's other steps at what the prepare's commands cost in this very run. Workflow code:
 * it reads only the recorded steps and the plan, and asks {@link Workflow#getVersion} in the order the
 * workflow always did, so old histories replay.
 */
final class BlackoutEstimate {

  /**
   * The catch-up step in the freeze: 69-132 ms at S and 127 ms at M under 200 writes/s (bench,
   * 2026-12-03, after the sequences went to one round trip each way and the nudges began at once).
   */
  static final long CATCH_UP_MILLIS = 100;
  /**
   * The freeze's re-check reads every change since the baselines, which were taken about as long before
   * the freeze as a fingerprint of the database takes: a fixed part, and a part per second of that
   * fingerprint (the rehearsal's, timed). Fitted on the bench's moves under 200 writes/s, both sides read
   * at once: 64-74 ms at S (0.3 s fingerprints), 233 ms at M (17 s); a busier app re-reads more per second.
   */
  private static final long RECHECK_MILLIS = 70;
  /**
   * The same, measured again once the passes moved the baselines up (2026-12-07): 64-118 ms at S, median
   * about 90 with the per-second part's 10.
   */
  private static final long RECHECK_MILLIS_2 = 80;
  private static final double RECHECK_MILLIS_PER_FINGERPRINT_SECOND = 10;
  /**
   * A service's check polled inside the activity that ran its command (BoxControl): 0-58 ms in the freezes
   * at S (2026-12-07), the slowest of a box's about 40.
   */
  private static final long CHECK_MILLIS = 30;
  /** The changes a freeze reads after the passes that move the baselines up: about a second's. */
  private static final long LAST_PASS_MILLIS = 1_000;
  /** One activity step in the freeze, when the run has measured none yet (docs/benchmarks.md: 20-150 ms). */
  private static final long FREEZE_STEP_MILLIS = 100;

  private final Steps steps;

  BlackoutEstimate(Steps steps) {
    this.steps = steps;
  }

  /**
   * After a rehearsal: {@code copyMillis} is its timed copy (or the catch-up's constant for a logical move),
   * {@code slowerSideMillis} the slower of its two fingerprints.
   */
  long afterRehearsal(MoveRequest move, Plan plan, long copyMillis, long slowerSideMillis) {
    long verifyMillis = move.logical() && plan.verify().beforeFreeze()
        ? recheckMillis() + Math.round(RECHECK_MILLIS_PER_FINGERPRINT_SECOND * changesFor(slowerSideMillis) / 1000.0)
        : slowerSideMillis;
    return copyMillis + verifyMillis + freezeStepsMillis(move, plan);
  }

  /** A rollback over the reverse stream kept since the switch: a catch-up and a re-check, no copy. */
  Long overReverseStream(MoveRequest move, Plan plan) {
    return plan.verify().beforeFreeze() ? CATCH_UP_MILLIS + recheckMillis() + freezeStepsMillis(move, plan) : null;
  }

  /**
   * How long before the freeze the re-check's changes begin, in ms: the baselines' fingerprint time, or,
   * where passes move the baselines up (FingerprintGate), the last pass's second or so whatever the size.
   */
  private static long changesFor(long fingerprintMillis) {
    if (Workflow.getVersion("rebaseline", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return fingerprintMillis;
    }
    return Math.min(fingerprintMillis, LAST_PASS_MILLIS);
  }

  /**
   * What the freeze's other steps will cost the blackout besides the copy and the verify, from what the
   * prepare's commands on the target cost in this very run (each an activity: scheduled, run on the box,
   * recorded): the single steps at the median of them, and each box's services, changed at once, at the
   * slowest (a stop that takes seconds costs the freeze those seconds once, not once per step), plus a
   * check. Only what falls between the source's last commit and the target's first counts: the hold
   * comes before the stops, and behind a holding front door requests flow the moment the target's app
   * accepts, before its check and the flip (counting them put the estimate 36-42 % over the blackout at S).
   * Without any of this the estimate was the copy and the fingerprints alone, a third of the blackout.
   */
  private long freezeStepsMillis(MoveRequest move, Plan plan) {
    List<Long> measured = steps.list().stream()
        .filter(s -> s.phase() == Phase.PREPARE && s.name().startsWith("stop ") && s.durationMillis() != null)
        .map(StepStatus::durationMillis).sorted().toList();
    long median = measured.isEmpty() ? FREEZE_STEP_MILLIS : measured.get(measured.size() / 2);
    long slowest = measured.isEmpty() ? FREEZE_STEP_MILLIS : measured.get(measured.size() - 1);
    // Only Caddy's hold forwards to the target by itself; other doors send nobody there before the flip.
    boolean flowsAtStart = move.holdsAtFrontDoor() && plan.frontDoor() instanceof FrontDoor.Caddy;
    Box target = plan.target();
    boolean measuredAgain = measuredAgain();
    // The target's first commit: behind the hold, a held request's as its app accepts; else that of a writer
    // or job of its own as it starts, before the checks and the flip (a rollback's at S: the estimate had
    // been 25-44 % over the blackout counting them); else the first request's after the flip.
    boolean writesAtStart = flowsAtStart
        || measuredAgain && (!target.writers().isEmpty() || !target.jobs().isEmpty());
    int singles = (plan.databaseDoor() == null ? 0 : 2) + 1 /* fence */ + 1 /* journal the switch */
        + 1 /* unfence the target */ + (writesAtStart ? 0 : 1) /* flip the front door */;
    // An app started ahead leaves the switch only the target's jobs and writers to start, if any.
    boolean appInSwitch = !move.startsAppAhead();
    boolean targetStarts = appInSwitch || !target.writers().isEmpty() || !target.jobs().isEmpty();
    boolean targetChecked = targetStarts && !writesAtStart;
    int checks = chain(plan.source(), true) - 1 + (targetChecked ? chain(target, appInSwitch) - 1 : 0);
    long polled = measuredAgain
        ? CHECK_MILLIS * (checked(plan.source(), true) + (targetChecked ? checked(target, appInSwitch) : 0))
        : 0;
    return median * (singles + checks) + (targetStarts ? 2 : 1) * slowest + polled;
  }

  /** Moves recorded before the estimate's constants were measured again keep the old ones. */
  private static boolean measuredAgain() {
    return Workflow.getVersion("estimate-measured-again", Workflow.DEFAULT_VERSION, 1) == 1;
  }

  private static long recheckMillis() {
    return measuredAgain() ? RECHECK_MILLIS_2 : RECHECK_MILLIS;
  }

  /** 1 if any of the box's services changed in the freeze has a check, else 0. */
  private static int checked(Box box, boolean withApp) {
    return withApp && box.app().check() != null
        || box.writers().stream().anyMatch(w -> w.service().check() != null)
        || box.jobs().stream().anyMatch(j -> j.service().check() != null) ? 1 : 0;
  }

  /**
   * The longest command-and-check of a box's services, in activities: what changing them all at once waits
   * for. One where a single activity runs a command and its check.
   */
  private static int chain(Box box, boolean withApp) {
    return checked(box, withApp) == 1 && !BoxControl.changeWithCheck() ? 2 : 1;
  }
}
