package dev.cutover.workflow;

import dev.cutover.database.CopyActivities;
import dev.cutover.database.CopyActivities.LogicalLag;
import dev.cutover.database.CopyActivities.LogicalStarted;
import dev.cutover.database.CopyActivities.LogicalWaitRequest;
import dev.cutover.database.DatabaseActivities;
import dev.cutover.database.DatabaseActivities.DatabaseInfo;
import dev.cutover.database.DatabaseActivities.InspectRequest;
import dev.cutover.frontdoor.FrontDoorActivities;
import dev.cutover.frontdoor.FrontDoorActivities.Side;
import dev.cutover.hosts.HostActivities;
import dev.cutover.live.HealthActivities;
import dev.cutover.live.HealthActivities.LiveRequest;
import dev.cutover.plan.Box;
import dev.cutover.plan.Durations;
import dev.cutover.plan.FrontDoor;
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
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
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
  private static final String TOOK_WRITES = "the target has taken writes since the switch";

  private final Steps steps = new Steps();
  private final BlackoutEstimate estimate = new BlackoutEstimate(steps);
  /** Every activity carries its step's words as its summary, for the Temporal web UI. */
  private final StepStubs summarized = new StepStubs(steps);
  private final DatabaseActivities database =
      summarized.of(DatabaseActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.DATABASE);
  private final CopyActivities copies =
      summarized.of(CopyActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.COPY);
  private final FingerprintActivities fingerprints =
      summarized.of(FingerprintActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.FINGERPRINT);
  private final ScheduleActivities schedule =
      summarized.of(ScheduleActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.SCHEDULE);
  private final FrontDoorActivities frontDoor =
      summarized.of(FrontDoorActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.FRONT_DOOR);
  private final HealthActivities health =
      summarized.of(HealthActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.HEALTH);

  /** Compensations keep going past a failed one, so one stuck command does not strand the rest. */
  private final Rollback saga = new Rollback();
  private final BoxControl boxes = new BoxControl(steps, saga);
  private final ConfirmGate gate = new ConfirmGate();
  private final FleetProgress fleet = new FleetProgress();

  private MoveRequest move;
  private Plan plan;
  private boolean rehearsal;
  /** Whether dump-restore copies take an empty target made ahead (moves recorded before did not). */
  private boolean spares;
  private FingerprintGate proof;
  private MoveJournals journals;
  private DatabaseDoorControl databaseDoor;
  private Phase phase = Phase.PREFLIGHT;
  private final List<Finding> findings = new ArrayList<>();
  private LogicalLag replication;
  private Long estimatedBlackoutMillis;
  /** Why the estimate rules the freeze out, or null. */
  private String overBudget;
  private Long blackoutStartedAt;
  private Long blackoutEndedAt;
  private boolean switchStarted;
  /** The target's app was started before the freeze by this run, so the switch does not start it. */
  private boolean appStartedAhead;
  /** The switch started the reverse stream (copy.rollbackWindow); {@code fallbackUntil}: when it ends. */
  private boolean reverseStream;
  private Long fallbackUntil;
  private Outcome outcome;
  private String failure;

  @Override
  public CutoverResult run(CutoverRequest request) {
    plan = request.plan();
    rehearsal = request.rehearsal();
    move = new MoveRequest(plan, Workflow.getInfo().getRunId(), request.reverse(), request.adoptStream());
    proof = new FingerprintGate(move, steps, fingerprints);
    journals = new MoveJournals(database, steps, move);
    databaseDoor = new DatabaseDoorControl(move, steps, saga, summarized);
    steps.onChange(this::showProgress);
    try {
      if (request.recover() != null) {
        return recover(request.recover());
      }
      if (!preflight()) {
        return finish(Outcome.BLOCKED, "preflight found blocking problems; nothing was changed");
      }
      if (!rehearsal) {
        journals.prepare();
      }
      prepare();
      presync();
      if (rehearsal) {
        return finish(
            Outcome.REHEARSED,
            "rehearsal done; estimated blackout " + estimatedBlackoutMillis + " ms; nothing was frozen"
                + (overBudget == null ? "" : "; " + overBudget + ": a move would not freeze"));
      }
      if (request.autoConfirmBy() != null) {
        gate.passedBy(request.autoConfirmBy(), steps);
      } else if (!awaitConfirmation()) {
        return compensate(Outcome.ABORTED, gate.abortedSummary());
      }
      startAppAhead();
      settle();
      fingerprintBeforeFreeze();
      freeze();
      withinBudget(() -> {
        copy();
        verify();
      });
      switchOver();
      verifyLive();
      report();
      return finish(
          Outcome.COMPLETED,
          "moved " + plan.app() + " from " + plan.source().name() + " to " + plan.target().name()
              + "; blackout " + (blackoutEndedAt - blackoutStartedAt) + " ms; all fingerprints match"
              + (fallbackUntil == null ? "" : "; " + plan.source().name() + " is kept current until "
                  + Instant.ofEpochMilli(fallbackUntil) + " (`cutover close " + plan.app() + "` ends it)"));
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

  /**
   * A move started by a fleet takes its confirm only from the fleet (the {@code confirm} signal), which
   * passes it on while a maxConcurrent slot is free: a confirm update sent to the move itself would bypass
   * that. Only the validator refuses, so no history changes: a rejected update is not recorded, and an
   * accepted one is not validated again on replay.
   */
  @Override
  public void validateConfirmMove(Confirmation confirmation) {
    String fleet = Workflow.getInfo().getParentWorkflowId().orElse(null);
    if (fleet != null) {
      ConfirmGate.refuse("this move belongs to the fleet workflow " + fleet + ", which lets at most maxConcurrent"
          + " apps past their gates at once: confirm it through the fleet (`cutover confirm --fleet NAME`)");
    }
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
        proof == null ? List.of() : proof.objectDifferences(),
        freezeBudgetMillis());
  }

  private Long freezeBudgetMillis() {
    Duration budget = plan == null ? null : plan.freeze().budget(plan.frontDoor());
    return budget == null ? null : budget.toMillis();
  }

  // ---- phases ---------------------------------------------------------------------------------

  private boolean preflight() {
    enter(Phase.PREFLIGHT);
    Preflight.Stubs stubs = new Preflight.Stubs(database, copies, boxes.hostsFor(plan.source()),
        boxes.hostsFor(plan.target()), frontDoor, databaseDoor.forPreflight(),
        queue -> summarized.of(HostActivities.class, ActivityPolicies.probe(queue)));
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
    // A rollback that adopts the reverse stream marks the fallback as its copy before the freeze; undone, it
    // must keep that database, which is current, rather than drop it.
    if (!move.adopting()) {
      saga.addCompensation(() -> undo("drop target database", () -> database.dropTarget(move.targetRequest())));
    }
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
      if (move.adopting() && adoptReverseStream()) {
        return;
      }
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
      copyMillis = BlackoutEstimate.CATCH_UP_MILLIS;
    } else {
      spares = Workflow.getVersion("spare-target", Workflow.DEFAULT_VERSION, 1) == 1;
      if (spares) {
        prepareSpare("for the rehearsal's copy");
      }
      copyMillis = steps.run(Phase.PRESYNC, "rehearsal copy (timed)", () -> copies.copy(move.copyRequest()),
          r -> r.summary()).totalMillis();
    }
    List<DatabaseFingerprint> both = proof.fingerprintBoth(Phase.PRESYNC, "rehearsal fingerprints (timed)");
    if (spares) {
      prepareSpare("for the freeze's copy (the rehearsal's is dropped)");
    }
    long slowerSide = Math.max(both.get(0).millis(), both.get(1).millis());
    estimatedBlackoutMillis = estimate.afterRehearsal(move, plan, copyMillis, slowerSide);
    checkNextJob();
    refuseOverBudget();
  }

  /**
   * The target made an empty database ahead of a dump-restore copy, which takes it as it is: the freeze's
   * copy then neither drops the rehearsal's copy nor waits for CREATE DATABASE. The rehearsal's copy gets one
   * too, so it times the same work as the freeze's and stays its estimate. The freeze's is made after the
   * rehearsal's fingerprints, which read the rehearsal's copy.
   */
  private void prepareSpare(String forWhich) {
    steps.run(Phase.PRESYNC, "make the target an empty database " + forWhich,
        () -> copies.prepareSpare(move.copyRequest()), r -> r.summary());
  }

  /**
   * A rollback's pre-sync when its move kept the fallback current: the reverse stream becomes this move's
   * subscription, so the freeze catches up and re-checks what changed instead of copying. A stream that
   * cannot be taken over (broken, gone) leaves the rollback to copy in the freeze as before, and the step
   * says why. False then.
   */
  private boolean adoptReverseStream() {
    // Registered first: whether or not it is taken over, a failed rollback must not leave the stream's slot.
    saga.addCompensation(() -> undo("remove logical replication", () -> copies.cleanupLogical(move.logicalRequest())));
    String[] why = new String[1];
    LogicalStarted adopted = steps.run(Phase.PRESYNC, "adopt the reverse stream kept since the switch", () -> {
      try {
        return copies.adoptReverse(move.logicalRequest());
      } catch (ActivityFailure failed) {
        why[0] = Steps.reason(failed);
        return null;
      }
    }, r -> r != null ? r.summary() : "not taken over (" + why[0] + "): the freeze copies everything (dump-restore)");
    if (adopted == null) {
      move = move.withoutAdoption();
      return false;
    }
    estimatedBlackoutMillis = estimate.overReverseStream(move, plan);
    return true;
  }

  /**
   * A freeze expected to overrun its budget is not begun: it could only roll back. A rehearsal says so in
   * its summary instead. Moves recorded before the check run on without it.
   */
  private void refuseOverBudget() {
    Duration budget = plan.freeze().budget(plan.frontDoor());
    if (budget == null || estimatedBlackoutMillis <= budget.toMillis()
        || Workflow.getVersion("budget-estimate", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return;
    }
    overBudget = "the estimated blackout (" + estimatedBlackoutMillis + " ms) exceeds " + budgetWords(budget);
    if (!rehearsal) {
      throw new StopMove(Outcome.BLOCKED, overBudget + ": nothing was frozen; raise freeze.maxBlackout (below the"
          + " front door's hold), or shorten the freeze (copy.strategy: logical)");
    }
  }

  private String budgetWords(Duration budget) {
    return plan.freeze().maxBlackout() != null
        ? "its budget (freeze.maxBlackout " + Durations.format(budget) + ")"
        : "its budget (" + Durations.format(budget) + ", 80 % of the front door's holdFor; set freeze.maxBlackout"
            + " to choose another)";
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

  /**
   * An app that boots against a read-only database ({@code target.app.bootsReadOnly}) starts now, before the
   * freeze, against its fenced target, so a boot that takes seconds (a Rails app: 14 s) stays out of the
   * blackout. Its stop is registered first: a rollback stops it again. Confirmed first: nothing on the
   * target starts before the human says so.
   */
  private void startAppAhead() {
    if (!move.startsAppAhead()
        || Workflow.getVersion("start-app-ahead", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return;
    }
    gate.stopIfAborted();
    enter(Phase.SETTLE);
    boxes.start(Phase.SETTLE, plan.target(), "app", plan.target().app());
    appStartedAhead = true;
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
    journals.freeze();
    blackoutStartedAt = Workflow.currentTimeMillis();
    // Registered first, so undoing the freeze releases the front door last, after the source app is back.
    saga.addCompensation(
        () -> undo("point front door back at " + source.name(), () -> frontDoor.pointAt(move.frontDoor(Side.SOURCE))));
    holdStopAndFence(source);
  }

  /**
   * The freeze's changes, each registering its undo first: requests held at the front door, the source's
   * app, writers and jobs stopped (and proven stopped), its database fenced. Each is idempotent, so a
   * recovery that finishes a lost move runs them again to confirm what the lost run got to.
   */
  private void holdStopAndFence(Box source) {
    if (!move.holdsAtFrontDoor()) {
      steps.skip(Phase.FREEZE, "hold requests at the front door", "only a caddy front door holds on the way back");
    } else {
      steps.run(Phase.FREEZE, "hold requests at the front door", () -> frontDoor.hold(move.frontDoor(Side.TARGET)),
          r -> r.detail());
    }
    databaseDoor.hold();
    List<BoxControl.Named> services = new ArrayList<>();
    services.add(new BoxControl.Named("app", source.app()));
    source.writers().forEach(w -> services.add(new BoxControl.Named("writer " + w.name(), w.service())));
    source.jobs().forEach(j -> services.add(new BoxControl.Named("job " + j.name(), j.service())));
    if (concurrentServices()) {
      // All stopped before the fence, in whatever order they finish: the fence, not the order, is the proof.
      boxes.changeAll(Phase.FREEZE, source, services, false);
    } else {
      services.forEach(service -> boxes.stop(Phase.FREEZE, source, service.what(), service.service()));
    }
    saga.addCompensation(() -> undo("unfence source database", () -> database.unfence(move.fence(source))));
    steps.run(Phase.FREEZE, "fence source database", () -> database.fence(move.fence(source)), r -> r.summary());
  }

  /**
   * Runs the freeze's long steps (copy, verify) against the plan's blackout budget ({@code freeze.maxBlackout}):
   * when the budget runs out first, they are cancelled and the move rolls back, so the front door's held
   * requests are answered by the source instead of timing out. Plans without a budget, and moves recorded
   * before budgets existed, run the steps as they always did.
   */
  private void withinBudget(Runnable longSteps) {
    Duration budget = plan.freeze().budget(plan.frontDoor());
    if (budget == null || Workflow.getVersion("freeze-budget", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      longSteps.run();
      return;
    }
    long left = blackoutStartedAt + budget.toMillis() - Workflow.currentTimeMillis();
    List<Promise<Void>> work = new ArrayList<>();
    CancellationScope scope = Workflow.newCancellationScope(() -> work.add(Async.procedure(longSteps::run)));
    scope.run();
    Promise<Void> timer = Workflow.newTimer(Duration.ofMillis(Math.max(1, left)));
    Promise.anyOf(work.get(0), timer).get();
    if (work.get(0).isCompleted()) {
      work.get(0).get();
      return;
    }
    scope.cancel();
    String during = steps.current() == null ? "" : ", during '" + steps.current() + "'";
    throw new StopMove(Outcome.ROLLED_BACK, "the freeze ran past " + budgetWords(budget) + ": "
        + (Workflow.currentTimeMillis() - blackoutStartedAt)
        + " ms since it began" + during + "; rolled back before the front door's hold ran out, so "
        + plan.source().name() + " serves again");
  }

  /**
   * Whether the freeze stops, and the switch starts, a box's services all at once (each step still recorded,
   * with its undo and its check). Moves recorded before stopped and started them one by one.
   */
  private boolean concurrentServices() {
    return Workflow.getVersion("concurrent-services", Workflow.DEFAULT_VERSION, 1) == 1;
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
    if (move.keepsFallbackCurrent()
        && Workflow.getVersion("reverse-stream", Workflow.DEFAULT_VERSION, 1) == 1) {
      // Before the target's first write, so the stream's slot starts where nothing it took is missed.
      saga.addCompensation(() -> undo("end the reverse stream", () -> copies.closeReverse(move.reverseRequest())));
      steps.run(Phase.SWITCH, "start the reverse stream to " + plan.source().name(),
          () -> copies.startReverse(move.reverseRequest()), r -> r.summary());
      reverseStream = true;
    }
    if (journals.on()) {
      journals.switching();
      // Unfenced and marked live in one commit: no moment when it takes writes but a later move may drop it.
      saga.addCompensation(() -> undo("fence target database and mark it copied again",
          () -> database.demoteTarget(move.targetRequest())));
      steps.run(Phase.SWITCH, "unfence target database and mark it live",
          () -> database.goLive(move.targetRequest()), "accepts writes; no later move may drop it");
    } else {
      saga.addCompensation(() -> undo("fence target database", () -> database.fence(move.fence(target))));
      steps.run(Phase.SWITCH, "unfence target database", () -> {
        database.unfence(move.fence(target));
        return null;
      }, r -> "accepts writes");
    }
    // The door's clients write as soon as the target can take them, while its jobs and app start.
    databaseDoor.switchOver();
    // The source's jobs and writers were stopped in the freeze, so two of them never run at once. Jobs are
    // listed first, so that started one by one (moves recorded before concurrent starts) nothing due between
    // the app's start and theirs is missed; started together, the front door flips only once all run.
    List<BoxControl.Named> services = new ArrayList<>();
    target.jobs().forEach(j -> services.add(new BoxControl.Named("job " + j.name(), j.service())));
    target.writers().forEach(w -> services.add(new BoxControl.Named("writer " + w.name(), w.service())));
    if (appStartedAhead) {
      steps.skip(Phase.SWITCH, "start app on " + target.name(),
          "running since before the freeze (bootsReadOnly); the unfence ended its read-only sessions");
    } else {
      services.add(new BoxControl.Named("app", target.app()));
    }
    if (concurrentServices()) {
      boxes.changeAll(Phase.SWITCH, target, services, true);
    } else {
      services.forEach(service -> boxes.start(Phase.SWITCH, target, service.what(), service.service()));
    }
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
    if (journals.on()) {
      journals.clear(Phase.REPORT);
    } else {
      steps.run(Phase.REPORT, "mark target database live", () -> database.markTargetLive(move.targetRequest()),
          "no later move may drop it; the source stays fenced and stopped as the fallback");
    }
    if (reverseStream) {
      fallbackUntil = FallbackWatch.start(steps, copies, move);
    }
  }

  // ---- recovery of a move whose history was lost -------------------------------------------------

  /**
   * {@code cutover recover}: reads the lost move's journal and its target's marker, then finishes the move
   * through the same gates (verify, switch, verify live) or undoes it through the same saga, as if this
   * run had made the lost run's changes itself.
   */
  private CutoverResult recover(CutoverRequest.Recover mode) {
    enter(Phase.RECOVER);
    Box writtenSource = plan.source();
    Box writtenTarget = plan.target();
    DatabaseInfo s = steps.run(Phase.RECOVER, "read the journal on " + writtenSource.name(),
        () -> database.inspect(new InspectRequest(writtenSource.name(), writtenSource.database())),
        CutoverWorkflowImpl::describeJournal);
    DatabaseInfo t = steps.run(Phase.RECOVER, "read the journal and marker on " + writtenTarget.name(),
        () -> database.inspect(new InspectRequest(writtenTarget.name(), writtenTarget.database())),
        CutoverWorkflowImpl::describeJournal);
    Recovery.Decision decision = Recovery.decide(plan.app(), s, t, mode);
    steps.skip(Phase.RECOVER, "decide", decision.why());
    if (decision.action() == Recovery.Action.NOTHING || decision.action() == Recovery.Action.REFUSE) {
      return finish(Outcome.BLOCKED, decision.why());
    }
    String lostRun = decision.journal().run();
    if (decision.reverse()) {
      plan = plan.reversed();
    }
    // The lost run's id names its target's marker, so that finishing it marks the same database live.
    move = new MoveRequest(plan, lostRun, decision.reverse());
    proof = new FingerprintGate(move, steps, fingerprints);
    databaseDoor = new DatabaseDoorControl(move, steps, saga, summarized);
    journals.adopt(move, decision.journal());
    boolean finishing = decision.action() == Recovery.Action.FINISH;
    registerLostRunsChanges(decision.targetLive(), finishing);
    if (!finishing) {
      return compensate(Outcome.ROLLED_BACK, "recovered the lost move " + lostRun + " by rolling it back; "
          + plan.source().name() + " serves again");
    }
    // A failure from here on ends in run()'s handlers: the saga above undoes what must be undone. A live
    // target may already hold users' writes, so nothing is undone before it is proven to hold none.
    switchStarted = decision.targetLive();
    refreeze();
    if (!decision.targetLive()) {
      finishCopy();
      verify();
    }
    switchOver();
    verifyLive();
    report();
    removeReplication();
    return finish(Outcome.COMPLETED, "recovered the lost move " + lostRun + " by finishing it: " + plan.app()
        + " serves from " + plan.target().name());
  }

  /**
   * Registers the undo of everything the lost run may have changed, in the order its own saga would have
   * (the target's drop last, the source's fence first), so a rollback restores the state before it.
   */
  private void registerLostRunsChanges(boolean targetLive, boolean finishing) {
    Box source = plan.source();
    if (!targetLive) {
      saga.addCompensation(() -> undo("drop target database", () -> database.dropTarget(move.targetRequest())));
    }
    if (move.logical()) {
      saga.addCompensation(() -> undo("remove logical replication", () -> copies.cleanupLogical(move.logicalRequest())));
      if (plan.verify().beforeFreeze()) {
        saga.addCompensation(() -> undo("drop the change logs", proof::dropChangeLogs));
      }
    }
    saga.addCompensation(
        () -> undo("point front door back at " + source.name(), () -> frontDoor.pointAt(move.frontDoor(Side.SOURCE))));
    if (finishing) {
      return; // the freeze done again registers the rest, as the first freeze did
    }
    if (move.startsAppAhead() && !targetLive) {
      // The lost run may have started the target's app before its freeze; it must not be left running.
      boxes.stopOnRollback(Phase.SETTLE, plan.target(), "app", plan.target().app());
    }
    databaseDoor.releaseOnRollback();
    boxes.startOnRollback(Phase.FREEZE, source, "app", source.app());
    for (NamedService writer : source.writers()) {
      boxes.startOnRollback(Phase.FREEZE, source, "writer " + writer.name(), writer.service());
    }
    for (NamedService job : source.jobs()) {
      boxes.startOnRollback(Phase.FREEZE, source, "job " + job.name(), job.service());
    }
    saga.addCompensation(() -> undo("unfence source database", () -> database.unfence(move.fence(source))));
  }

  /** Finishing: the freeze's changes again, whatever the lost run got to (the front door's undo is registered). */
  private void refreeze() {
    enter(Phase.FREEZE);
    blackoutStartedAt = Workflow.currentTimeMillis();
    holdStopAndFence(plan.source());
  }

  /**
   * Finishing a move lost before its switch: the source is fenced now, so the copy is made complete again
   * (dump-restore copies over its own earlier copy; logical catches up if its subscription is still there,
   * and a catch-up the lost run already finished has none), and the verify gate then proves it.
   */
  private void finishCopy() {
    enter(Phase.COPY);
    if (!move.logical()) {
      steps.run(Phase.COPY, "dump and restore", () -> copies.copy(move.copyRequest()), r -> r.summary());
      return;
    }
    try {
      steps.run(Phase.COPY, "catch up to the fence, copy sequences, stop replicating",
          () -> copies.catchUp(new LogicalWaitRequest(move.logicalRequest(), ActivityPolicies.CATCH_UP.inner())),
          r -> r.summary());
    } catch (TemporalFailure e) {
      log.warn("no catch-up for the lost move ({}); the verify gate decides", Steps.reason(e));
    }
  }

  /** A recovered logical move leaves no slot, subscription or change log behind on either side. */
  private void removeReplication() {
    if (!move.logical()) {
      return;
    }
    steps.run(Phase.REPORT, "remove logical replication", () -> copies.cleanupLogical(move.logicalRequest()), "removed");
    if (plan.verify().beforeFreeze()) {
      steps.run(Phase.REPORT, "drop the change logs", proof::dropChangeLogs, "dropped on both sides");
    }
  }

  private static String describeJournal(DatabaseInfo info) {
    if (!info.reachable()) {
      return "unreachable: " + info.error();
    }
    return (info.journal() == null ? "no journal" : "journal: " + info.journal().summary())
        + (info.exists() ? "; marker " + info.marker() + (info.fenced() ? "; fenced" : "") : "; no database");
  }

  // ---- compensation -----------------------------------------------------------------------------

  private CutoverResult compensate(Outcome wanted, String reason) {
    failure = reason;
    log.warn("move of {} stopping: {}", plan.app(), reason);
    enter(Phase.ROLLBACK);
    List<String> notUndone = new ArrayList<>();
    Workflow.newDetachedCancellationScope(() -> {
      if (switchStarted && !targetTookNoWrites()) {
        notUndone.add(TOOK_WRITES);
        return;
      }
      for (String failed : saga.compensate()) {
        notUndone.add("a compensation failed: " + failed);
      }
    }).run();
    if (!notUndone.isEmpty()) {
      return finish(
          Outcome.FAILED,
          reason + "; and " + String.join("; ", notUndone)
              + (notUndone.contains(TOOK_WRITES) ? ". The target keeps serving as the only writer"
                  : ". Not everything was undone")
              + "; a human must decide (see status).");
    }
    Workflow.newDetachedCancellationScope(() -> journals.clear(Phase.ROLLBACK)).run();
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
    showProgress();
    fleet.entered(plan.app(), next);
    if (Workflow.getTypedSearchAttributes().containsKey(CutoverSearchAttributes.PHASE)) {
      Workflow.upsertTypedSearchAttributes(CutoverSearchAttributes.PHASE.valueSet(next.name()));
    }
  }

  /** The web UI's "current details" of the move: no command, read by the UI through the SDK's metadata query. */
  private void showProgress() {
    Workflow.setCurrentDetails(WebUi.currentDetails(status()));
  }

  private CutoverResult finish(Outcome result, String summary) {
    outcome = result;
    enter(Phase.DONE);
    log.info("move of {} ended {}: {}", plan.app(), result, summary);
    return new CutoverResult(result, summary, status());
  }
}
