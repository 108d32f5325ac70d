package dev.cutover.workflow;

import dev.cutover.database.CopyActivities;
import dev.cutover.database.CopyActivities.LogicalLag;
import dev.cutover.database.CopyActivities.LogicalWaitRequest;
import dev.cutover.database.DatabaseActivities;
import dev.cutover.frontdoor.FrontDoorActivities;
import dev.cutover.frontdoor.FrontDoorActivities.Side;
import dev.cutover.hosts.HostActivities;
import dev.cutover.live.HealthActivities;
import dev.cutover.live.HealthActivities.LiveRequest;
import dev.cutover.plan.Box;
import dev.cutover.plan.NamedService;
import dev.cutover.plan.Plan;
import dev.cutover.preflight.Finding;
import dev.cutover.preflight.Preflight;
import dev.cutover.preflight.PreflightFindings;
import dev.cutover.preflight.ScheduleActivities;
import dev.cutover.preflight.ScheduleActivities.NextJobDue;
import dev.cutover.preflight.ScheduleActivities.NextJobRequest;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.FingerprintActivities;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * The runbook of DESIGN.md, one method per phase. Every step that changes something registers its
 * compensation on the saga before it runs, so an abort, a failed gate or an exhausted retry undoes
 * exactly what was done, in reverse, and the source box (only ever paused) serves again. The gates and the
 * boxes' services are plain helpers ({@link ConfirmGate}, {@link FingerprintGate}, {@link BoxControl}); what
 * a rollback changes is asked of the {@link MoveRequest}.
 */
public class CutoverWorkflowImpl implements CutoverWorkflow {

  private static final Logger log = Workflow.getLogger(CutoverWorkflowImpl.class);
  /** Catch-up measured well under a second at 259 MB (docs/architecture.md); an upper bound for the estimate. */
  private static final long CATCH_UP_ESTIMATE_MILLIS = 1_000;
  /** Verify before the freeze leaves the freeze a re-check of what changed: about a second (docs/benchmarks.md). */
  private static final long RECHECK_ESTIMATE_MILLIS = 1_000;

  private final DatabaseActivities database =
      Workflow.newActivityStub(DatabaseActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.DATABASE);
  private final CopyActivities copies =
      Workflow.newActivityStub(CopyActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.COPY);
  private final FingerprintActivities fingerprints =
      Workflow.newActivityStub(FingerprintActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.FINGERPRINT);
  private final ScheduleActivities schedule =
      Workflow.newActivityStub(ScheduleActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.SCHEDULE);
  private final FrontDoorActivities frontDoor =
      Workflow.newActivityStub(FrontDoorActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.FRONT_DOOR);
  private final HealthActivities health =
      Workflow.newActivityStub(HealthActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.HEALTH);

  /** Compensations keep going past a failed one, so one stuck command does not strand the rest. */
  private final Saga saga = new Saga(new Saga.Options.Builder().setContinueWithError(true).build());
  private final Steps steps = new Steps();
  private final BoxControl boxes = new BoxControl(steps, saga);
  private final ConfirmGate gate = new ConfirmGate();

  private MoveRequest move;
  private Plan plan;
  private boolean rehearsal;
  private FingerprintGate proof;
  private Phase phase = Phase.PREFLIGHT;
  private final List<Finding> findings = new ArrayList<>();
  private LogicalLag replication;
  private Long estimatedBlackoutMillis;
  private Long blackoutStartedAt;
  private Long blackoutEndedAt;
  private boolean switchStarted;
  private Outcome outcome;
  private String failure;

  @Override
  public CutoverResult run(CutoverRequest request) {
    plan = request.plan();
    rehearsal = request.rehearsal();
    move = new MoveRequest(plan, Workflow.getInfo().getRunId(), request.reverse());
    proof = new FingerprintGate(move, steps, fingerprints);
    try {
      if (!preflight()) {
        return finish(Outcome.BLOCKED, "preflight found blocking problems; nothing was changed");
      }
      prepare();
      presync();
      if (rehearsal) {
        return finish(
            Outcome.REHEARSED,
            "rehearsal done; estimated blackout " + estimatedBlackoutMillis + " ms; nothing was frozen");
      }
      if (request.autoConfirmBy() != null) {
        gate.passedBy(request.autoConfirmBy(), steps);
      } else if (!awaitConfirmation()) {
        return compensate(Outcome.ABORTED, gate.abortedSummary());
      }
      settle();
      fingerprintBeforeFreeze();
      freeze();
      copy();
      verify();
      switchOver();
      verifyLive();
      report();
      return finish(
          Outcome.COMPLETED,
          "moved " + plan.app() + " from " + plan.source().name() + " to " + plan.target().name()
              + "; blackout " + (blackoutEndedAt - blackoutStartedAt) + " ms; all fingerprints match");
    } catch (StopMove stop) {
      return compensate(stop.outcome, stop.getMessage());
    } catch (CanceledFailure cancelled) {
      return compensate(Outcome.ABORTED, "the workflow was cancelled");
    } catch (TemporalFailure failed) {
      return compensate(Outcome.ROLLED_BACK, phase.name().toLowerCase() + " failed: " + Steps.reason(failed));
    }
  }

  @Override
  public void confirm(Confirmation confirmation) {
    gate.confirm(confirmation);
  }

  @Override
  public void abort(AbortRequest request) {
    gate.abort(request, tooLateToAbort());
  }

  @Override
  public Decision confirmMove(Confirmation confirmation) {
    return ConfirmGate.answer(gate.whyNotConfirm(), () -> gate.confirm(confirmation));
  }

  @Override
  public void validateConfirmMove(Confirmation confirmation) {
    ConfirmGate.refuse(gate.whyNotConfirm());
  }

  @Override
  public Decision abortMove(AbortRequest request) {
    return ConfirmGate.answer(gate.whyNotAbort(tooLateToAbort()), () -> gate.abort(request, tooLateToAbort()));
  }

  @Override
  public void validateAbortMove(AbortRequest request) {
    ConfirmGate.refuse(gate.whyNotAbort(tooLateToAbort()));
  }

  private boolean tooLateToAbort() {
    return switchStarted || outcome != null;
  }

  @Override
  public CutoverStatus status() {
    return new CutoverStatus(
        plan == null ? null : plan.app(),
        plan == null ? null : plan.source().name(),
        plan == null ? null : plan.target().name(),
        phase,
        rehearsal,
        gate.waiting(),
        gate.stale(),
        outcome,
        steps.list(),
        findings,
        proof == null ? List.of() : proof.comparisons(),
        estimatedBlackoutMillis,
        blackoutStartedAt,
        blackoutEndedAt,
        gate.confirmed(),
        gate.aborted(),
        failure,
        proof == null ? List.of() : proof.differences(),
        replication,
        proof == null ? List.of() : proof.objectDifferences());
  }

  // ---- phases ---------------------------------------------------------------------------------

  private boolean preflight() {
    enter(Phase.PREFLIGHT);
    Preflight.Stubs stubs = new Preflight.Stubs(database, copies, boxes.hostsFor(plan.source()),
        boxes.hostsFor(plan.target()), frontDoor,
        queue -> Workflow.newActivityStub(HostActivities.class, ActivityPolicies.probe(queue)));
    Preflight.Limits limits = new Preflight.Limits(ActivityPolicies.INSPECTION.inner(), ActivityPolicies.PROBE.inner());
    return new Preflight(plan, steps.in(Phase.PREFLIGHT), stubs, limits, findings,
        move.logical() ? move.logicalRequest() : null).run();
  }

  private void prepare() {
    enter(Phase.PREPARE);
    Box target = plan.target();
    boxes.command(Phase.PREPARE, target, "stop app", target.app().stop());
    for (NamedService writer : target.writers()) {
      boxes.command(Phase.PREPARE, target, "stop writer " + writer.name(), writer.stop());
    }
    for (NamedService job : target.jobs()) {
      boxes.command(Phase.PREPARE, target, "stop job " + job.name(), job.stop());
    }
    saga.addCompensation(() -> undo("drop target database", () -> database.dropTarget(move.targetRequest())));
    if (move.claimsTarget()) {
      steps.run(Phase.PREPARE, "claim the existing target database (target.overwrite)",
          () -> database.claimTarget(move.targetRequest()),
          r -> r.marker() == null ? "there was none to claim" : "marked " + r.marker() + "; it will be replaced");
    }
    if (!move.rehearsesOnTarget()) {
      steps.skip(Phase.PREPARE, "create target database",
          "a rollback keeps " + target.name() + "'s fallback database untouched until the freeze");
      return;
    }
    steps.run(Phase.PREPARE, "create target database", () -> database.prepareTarget(move.targetRequest()),
        r -> r.summary());
  }

  private void presync() {
    enter(Phase.PRESYNC);
    if (!move.rehearsesOnTarget()) {
      steps.skip(Phase.PRESYNC, "rehearsal copy (timed)", "a rollback copies once, in the freeze, over the fallback");
      return;
    }
    long copyMillis;
    if (move.logical()) {
      // Registered after the target's drop, so it runs first: a database with a live subscription
      // cannot be dropped, and a slot left on the source would fill its disk.
      saga.addCompensation(() -> undo("remove logical replication", () -> copies.cleanupLogical(move.logicalRequest())));
      steps.run(Phase.PRESYNC, "start logical replication", () -> copies.startLogical(move.logicalRequest()),
          r -> r.summary());
      replication = steps.run(Phase.PRESYNC, "initial copy while the source serves",
          () -> copies.awaitInitialCopy(
              new LogicalWaitRequest(move.logicalRequest(), ActivityPolicies.INITIAL_COPY.inner())),
          LogicalLag::summary);
      copyMillis = CATCH_UP_ESTIMATE_MILLIS;
    } else {
      copyMillis = steps.run(Phase.PRESYNC, "rehearsal copy (timed)", () -> copies.copy(move.copyRequest()),
          r -> r.summary()).totalMillis();
    }
    List<DatabaseFingerprint> both = proof.fingerprintBoth(Phase.PRESYNC, "rehearsal fingerprints (timed)");
    long fingerprintMillis = move.logical() && plan.verify().beforeFreeze() ? RECHECK_ESTIMATE_MILLIS
        : Math.max(both.get(0).millis(), both.get(1).millis());
    estimatedBlackoutMillis = copyMillis + fingerprintMillis;
    checkNextJob();
  }

  /** With the blackout estimated, the next time-critical job (a kickoff) must not fall inside it. */
  private void checkNextJob() {
    Box source = plan.source();
    if (source.nextJob() == null) {
      return;
    }
    try {
      NextJobDue due = steps.run(Phase.PRESYNC, "next job due on " + source.name(),
          () -> schedule.nextJobDue(new NextJobRequest(source.name(), source.database(), source.nextJob().sql())),
          r -> r.dueAt() == null ? "nothing due" : "due at " + r.dueAt());
      Instant blackoutEnds = Instant.ofEpochMilli(Workflow.currentTimeMillis() + estimatedBlackoutMillis);
      findings.add(PreflightFindings.nextJob(due, blackoutEnds));
    } catch (TemporalFailure e) {
      findings.add(Finding.warning("next job", Steps.reason(e), "check source.nextJob.sql"));
    }
  }

  private boolean awaitConfirmation() {
    enter(Phase.CONFIRM);
    if (!gate.await(plan, steps, move.logical(), this::readLag)) {
      return false;
    }
    if (gate.stale()) {
      preflightAgainAfterStale();
    }
    return true;
  }

  /** Lag is information for the operator at the gate; a failed reading is not a reason to stop. */
  private void readLag() {
    try {
      replication = copies.lag(move.logicalRequest());
    } catch (TemporalFailure e) {
      log.warn("could not read replication lag: {}", Steps.reason(e));
    }
  }

  /**
   * A confirm given to a move that sat at the gate past confirm.staleAfter acts on a world that may
   * have changed since preflight (a new config key, a full disk, a target someone touched): run
   * preflight again before anything freezes, and stop if it now finds a blocking problem.
   */
  private void preflightAgainAfterStale() {
    findings.clear();
    if (!preflight()) {
      throw new StopMove(Outcome.ABORTED, "preflight run again after the stale confirm found blocking problems");
    }
    enter(Phase.CONFIRM);
  }

  private void settle() {
    enter(Phase.SETTLE);
    SettleGate.await(plan, steps, database, gate);
  }

  /** Logical moves fingerprint both sides before the freeze, so the freeze re-reads only what changed since. */
  private void fingerprintBeforeFreeze() {
    if (!move.logical() || !plan.verify().beforeFreeze()) {
      return;
    }
    // Moves recorded before this step existed replay without it.
    if (Workflow.getVersion("verify-before-freeze", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return;
    }
    gate.stopIfAborted();
    proof.prepareBeforeFreeze(saga);
  }

  private void freeze() {
    gate.stopIfAborted();
    enter(Phase.FREEZE);
    Box source = plan.source();
    blackoutStartedAt = Workflow.currentTimeMillis();
    // Registered first, so undoing the freeze releases the front door last, after the source app is back.
    saga.addCompensation(
        () -> undo("point front door back at " + source.name(), () -> frontDoor.pointAt(move.frontDoor(Side.SOURCE))));
    if (!move.holdsAtFrontDoor()) {
      steps.skip(Phase.FREEZE, "hold requests at the front door", "a front door holds only toward the plan's target");
    } else {
      steps.run(Phase.FREEZE, "hold requests at the front door", () -> frontDoor.hold(move.frontDoor(Side.TARGET)),
          r -> r.detail());
    }
    boxes.stop(Phase.FREEZE, source, "app", source.app());
    for (NamedService writer : source.writers()) {
      boxes.stop(Phase.FREEZE, source, "writer " + writer.name(), writer.service());
    }
    for (NamedService job : source.jobs()) {
      boxes.stop(Phase.FREEZE, source, "job " + job.name(), job.service());
    }
    saga.addCompensation(() -> undo("unfence source database", () -> database.unfence(move.fence(source))));
    steps.run(Phase.FREEZE, "fence source database", () -> database.fence(move.fence(source)), r -> r.summary());
  }

  private void copy() {
    gate.stopIfAborted();
    enter(Phase.COPY);
    if (move.logical()) {
      steps.run(Phase.COPY, "catch up to the fence, copy sequences, stop replicating",
          () -> copies.catchUp(new LogicalWaitRequest(move.logicalRequest(), ActivityPolicies.CATCH_UP.inner())),
          r -> r.summary());
      return;
    }
    steps.run(Phase.COPY, "dump and restore", () -> copies.copy(move.copyRequest()), r -> r.summary());
  }

  private void verify() {
    gate.stopIfAborted();
    enter(Phase.VERIFY);
    proof.check();
  }

  private void switchOver() {
    gate.stopIfAborted();
    enter(Phase.SWITCH);
    switchStarted = true;
    Box target = plan.target();
    saga.addCompensation(() -> undo("fence target database", () -> database.fence(move.fence(target))));
    steps.run(Phase.SWITCH, "unfence target database", () -> {
      database.unfence(move.fence(target));
      return null;
    }, r -> "accepts writes");
    // Jobs first, so nothing due between the app's start and theirs is missed; the source's jobs and
    // writers were stopped in the freeze, so two of them never run at once.
    for (NamedService job : target.jobs()) {
      boxes.start(Phase.SWITCH, target, "job " + job.name(), job.service());
    }
    for (NamedService writer : target.writers()) {
      boxes.start(Phase.SWITCH, target, "writer " + writer.name(), writer.service());
    }
    boxes.start(Phase.SWITCH, target, "app", target.app());
    saga.addCompensation(
        () -> undo("point front door back at " + plan.source().name(), () -> frontDoor.pointAt(move.frontDoor(Side.SOURCE))));
    steps.run(Phase.SWITCH, "point front door at " + target.name(), () -> frontDoor.pointAt(move.frontDoor(Side.TARGET)),
        r -> r.detail());
    blackoutEndedAt = Workflow.currentTimeMillis();
  }

  private void verifyLive() {
    enter(Phase.VERIFY_LIVE);
    steps.run(
        Phase.VERIFY_LIVE,
        "health at " + plan.health().url(),
        () -> health.verifyLive(new LiveRequest(plan.target().name(), plan.health())),
        r -> r.consecutiveOk() + " healthy responses in a row from " + plan.target().name() + " ("
            + r.requests() + " requests, " + r.failures() + " failed)");
  }

  private void report() {
    enter(Phase.REPORT);
    if (proof.hasChangeLogs()) {
      // Left until now so that dropping them costs the blackout nothing; a slot holds WAL until dropped.
      steps.run(Phase.REPORT, "drop the change logs", proof::dropChangeLogs, "dropped on both sides");
    }
    steps.run(Phase.REPORT, "mark target database live", () -> database.markTargetLive(move.targetRequest()),
        "no later move may drop it; the source stays fenced and stopped as the fallback");
  }

  // ---- compensation -----------------------------------------------------------------------------

  private CutoverResult compensate(Outcome wanted, String reason) {
    failure = reason;
    log.warn("move of {} stopping: {}", plan.app(), reason);
    enter(Phase.ROLLBACK);
    List<String> notUndone = new ArrayList<>();
    Workflow.newDetachedCancellationScope(() -> {
      if (switchStarted && !targetTookNoWrites()) {
        notUndone.add("the target has taken writes since the switch");
        return;
      }
      try {
        saga.compensate();
      } catch (Saga.CompensationException e) {
        notUndone.add("a compensation failed: " + Steps.reason(e));
      }
    }).run();
    if (!notUndone.isEmpty()) {
      return finish(
          Outcome.FAILED,
          reason + "; and " + String.join("; ", notUndone)
              + ". The target keeps serving as the only writer; a human must decide (see status).");
    }
    return finish(wanted, reason);
  }

  /**
   * After the switch a flip back is only safe if users did nothing on the target yet: fence it, then
   * compare with what the verify gate proved. If it changed, unfence it again so it stays the one live
   * writer, and leave the decision to a human.
   */
  private boolean targetTookNoWrites() {
    Box target = plan.target();
    try {
      steps.run(Phase.ROLLBACK, "fence target to check for writes", () -> database.fence(move.fence(target)),
          r -> "fenced");
      if (proof.targetUnchanged()) {
        return true;
      }
      steps.run(Phase.ROLLBACK, "unfence target: it holds new writes", () -> database.unfence(move.fence(target)),
          "target stays the live writer");
      return false;
    } catch (TemporalFailure e) {
      log.error("could not check the target for writes: {}", Steps.reason(e));
      return false;
    }
  }

  /** One compensation, as a step of the rollback. */
  private void undo(String name, Runnable action) {
    steps.run(Phase.ROLLBACK, name, action, "done");
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private void enter(Phase next) {
    phase = next;
    if (Workflow.getTypedSearchAttributes().containsKey(CutoverSearchAttributes.PHASE)) {
      Workflow.upsertTypedSearchAttributes(CutoverSearchAttributes.PHASE.valueSet(next.name()));
    }
  }

  private CutoverResult finish(Outcome result, String summary) {
    outcome = result;
    enter(Phase.DONE);
    log.info("move of {} ended {}: {}", plan.app(), result, summary);
    return new CutoverResult(result, summary, status());
  }
}
