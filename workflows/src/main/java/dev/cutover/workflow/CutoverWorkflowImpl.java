package dev.cutover.workflow;

import dev.cutover.database.DatabaseActivities;
import dev.cutover.database.DatabaseActivities.BaselineKeys;
import dev.cutover.database.DatabaseActivities.BaselineNarrowRequest;
import dev.cutover.database.DatabaseActivities.ChangeLogRequest;
import dev.cutover.database.DatabaseActivities.ChangeLogStarted;
import dev.cutover.database.DatabaseActivities.ChangesRequest;
import dev.cutover.database.DatabaseActivities.ChangesVerified;
import dev.cutover.database.DatabaseActivities.CopyRequest;
import dev.cutover.database.DatabaseActivities.CopyResult;
import dev.cutover.database.DatabaseActivities.FenceRequest;
import dev.cutover.database.DatabaseActivities.FingerprintRequest;
import dev.cutover.database.DatabaseActivities.GuardRequest;
import dev.cutover.database.DatabaseActivities.GuardResult;
import dev.cutover.database.DatabaseActivities.LogicalLag;
import dev.cutover.database.DatabaseActivities.LogicalRequest;
import dev.cutover.database.DatabaseActivities.LogicalWaitRequest;
import dev.cutover.database.DatabaseActivities.NarrowRequest;
import dev.cutover.database.DatabaseActivities.TableDifference;
import dev.cutover.database.DatabaseActivities.TableRecheck;
import dev.cutover.database.DatabaseActivities.TargetRequest;
import dev.cutover.frontdoor.FrontDoorActivities;
import dev.cutover.frontdoor.FrontDoorActivities.FrontDoorRequest;
import dev.cutover.frontdoor.FrontDoorActivities.Side;
import dev.cutover.hosts.HostActivities;
import dev.cutover.hosts.HostActivities.CommandRequest;
import dev.cutover.hosts.HostActivities.StateCheckRequest;
import dev.cutover.hosts.PreflightFindings;
import dev.cutover.plan.Service;
import dev.cutover.preflight.ScheduleActivities;
import dev.cutover.preflight.ScheduleActivities.NextJobDue;
import dev.cutover.preflight.ScheduleActivities.NextJobRequest;
import java.time.Instant;
import java.util.Map;
import dev.cutover.live.HealthActivities;
import dev.cutover.live.HealthActivities.LiveRequest;
import dev.cutover.plan.Box;
import dev.cutover.plan.Copy;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Host;
import dev.cutover.plan.NamedService;
import dev.cutover.plan.Plan;
import dev.cutover.verify.Comparisons;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.KeyRange;
import dev.cutover.verify.Rechecks;
import dev.cutover.verify.TableComparison;
import dev.cutover.workflow.StepStatus.State;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/**
 * The runbook of DESIGN.md, one method per phase. Every step that changes something registers its
 * compensation on the saga before it runs, so an abort, a failed gate or an exhausted retry undoes
 * exactly what was done, in reverse, and the source box (only ever paused) serves again.
 */
public class CutoverWorkflowImpl implements CutoverWorkflow {

  private static final Logger log = Workflow.getLogger(CutoverWorkflowImpl.class);
  private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(5);
  private static final int DIFFERING_KEYS_SHOWN = 20;
  private static final Duration INITIAL_COPY_TIMEOUT = Duration.ofHours(6);
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(10);
  /** Catch-up measured well under a second at 259 MB (docs/architecture.md); an upper bound for the estimate. */
  private static final long CATCH_UP_ESTIMATE_MILLIS = 1_000;
  /** Verify before the freeze leaves the freeze a re-check of what changed: about a second (docs/benchmarks.md). */
  private static final long RECHECK_ESTIMATE_MILLIS = 1_000;
  /** Past this many differing keys in one table, narrowing keeps the table's ranges (history stays small). */
  private static final int BASELINE_KEYS = 10_000;
  private static final Duration LAG_POLL = Duration.ofSeconds(60);
  private static final Duration LAG_POLL_STALE = Duration.ofMinutes(10);

  private final DatabaseActivities database =
      Workflow.newActivityStub(DatabaseActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.DATABASE);
  private final HostActivities hosts =
      Workflow.newActivityStub(HostActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.HOSTS);
  private final ScheduleActivities schedule =
      Workflow.newActivityStub(ScheduleActivities.class, ActivityPolicies.DEFAULT, Map.of());
  private final FrontDoorActivities frontDoor =
      Workflow.newActivityStub(
          FrontDoorActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.FRONT_DOOR);
  private final HealthActivities health =
      Workflow.newActivityStub(HealthActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.HEALTH);

  /** Compensations keep going past a failed one, so one stuck command does not strand the rest. */
  private final Saga saga = new Saga(new Saga.Options.Builder().setContinueWithError(true).build());

  private Plan plan;
  private boolean rehearsal;
  private boolean reverse;
  private String moveId;
  private Phase phase = Phase.PREFLIGHT;
  private final Steps steps = new Steps();
  private final List<Finding> findings = new ArrayList<>();
  private List<TableComparison> fingerprints = List.of();
  private LogicalLag replication;
  private final List<TableDifference> differences = new ArrayList<>();
  private DatabaseFingerprint verifiedTarget;
  /** Logical moves: both sides' change logs and fingerprints from before the freeze, or null. */
  private List<ChangeLogStarted> changeLogs;
  private List<DatabaseFingerprint> baselines;
  /** What narrowing turned the baselines' differing ranges into, or null when it did not run. */
  private BaselineKeys baselineKeys;
  private Long estimatedBlackoutMillis;
  private Long blackoutStartedAt;
  private Long blackoutEndedAt;
  private boolean waitingForConfirm;
  private boolean stale;
  private boolean switchStarted;
  private Decision confirmed;
  private Decision aborted;
  private Outcome outcome;
  private String failure;

  @Override
  public CutoverResult run(CutoverRequest request) {
    plan = request.plan();
    rehearsal = request.rehearsal();
    reverse = request.reverse();
    moveId = Workflow.getInfo().getRunId();
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
        confirmed = new Decision(request.autoConfirmBy(), Workflow.currentTimeMillis(), "rollback");
        steps.skip(Phase.CONFIRM, "wait for confirm", "confirmed by " + confirmed.by() + " when asking for the rollback");
      } else if (!awaitConfirmation()) {
        return compensate(
            Outcome.ABORTED, "aborted at the confirm gate by " + aborted.by() + reasonSuffix(aborted));
      }
      settle();
      verifyBeforeFreeze();
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
    if (!waitingForConfirm || confirmed != null || aborted != null) {
      log.warn("confirm by {} ignored: the move is not waiting at the gate", confirmation.by());
      return;
    }
    confirmed = new Decision(confirmation.by(), Workflow.currentTimeMillis(), null);
  }

  @Override
  public void abort(AbortRequest request) {
    if (switchStarted || aborted != null || outcome != null) {
      log.warn("abort by {} ignored: the switch has begun or the move has ended", request.by());
      return;
    }
    aborted = new Decision(request.by(), Workflow.currentTimeMillis(), request.reason());
  }

  @Override
  public CutoverStatus status() {
    return new CutoverStatus(
        plan == null ? null : plan.app(),
        plan == null ? null : plan.source().name(),
        plan == null ? null : plan.target().name(),
        phase,
        rehearsal,
        waitingForConfirm,
        stale,
        outcome,
        steps.list(),
        findings,
        fingerprints,
        estimatedBlackoutMillis,
        blackoutStartedAt,
        blackoutEndedAt,
        confirmed,
        aborted,
        failure,
        differences,
        replication);
  }

  // ---- phases ---------------------------------------------------------------------------------

  private boolean preflight() {
    enter(Phase.PREFLIGHT);
    boolean clear = new Preflight(plan, steps, database, hostsFor(plan.source()), hostsFor(plan.target()), frontDoor,
        findings, logical() ? logicalRequest() : null).run();
    for (Box box : List.of(plan.source(), plan.target())) {
      if (box.host().exec() == Host.Exec.WORKER && !workerAnswers(box)) {
        clear = false;
      }
    }
    return clear;
  }

  /** A box whose commands run on its own worker needs that worker polling its queue right now. */
  private boolean workerAnswers(Box box) {
    String queue = box.host().taskQueue();
    HostActivities probe = Workflow.newActivityStub(HostActivities.class, ActivityPolicies.probe(queue));
    try {
      steps.run(Phase.PREFLIGHT, "check a worker polls " + queue,
          () -> probe.run(new CommandRequest(box.name(), box.host(), "probe", List.of("true"), Duration.ofSeconds(10))),
          r -> "answered in " + r.millis() + " ms");
      findings.add(Finding.ok("worker " + box.name(), "a worker polls task queue " + queue));
      return true;
    } catch (TemporalFailure e) {
      findings.add(Finding.blocking("worker " + box.name(), "no worker answered on task queue " + queue
          + " (" + Steps.reason(e) + ")", "start `cutover worker` on " + box.name() + " with CUTOVER_HOST_QUEUE=" + queue));
      return false;
    }
  }

  private void prepare() {
    enter(Phase.PREPARE);
    Box target = plan.target();
    runCommand(Phase.PREPARE, target, "stop app", target.app().stop());
    for (NamedService writer : target.writers()) {
      runCommand(Phase.PREPARE, target, "stop writer " + writer.name(), writer.stop());
    }
    for (NamedService job : target.jobs()) {
      runCommand(Phase.PREPARE, target, "stop job " + job.name(), job.stop());
    }
    saga.addCompensation(
        () -> compensation("drop target database", () -> database.dropTarget(targetRequest())));
    if (target.overwrite() && !reverse) {
      steps.run(Phase.PREPARE, "claim the existing target database (target.overwrite)",
          () -> database.claimTarget(targetRequest()),
          r -> r.marker() == null ? "there was none to claim" : "marked " + r.marker() + "; it will be replaced");
    }
    if (reverse) {
      steps.skip(Phase.PREPARE, "create target database",
          "a rollback keeps " + target.name() + "'s fallback database untouched until the freeze");
      return;
    }
    steps.run(
        Phase.PREPARE,
        "create target database",
        () -> database.prepareTarget(targetRequest()),
        r -> r.created() ? "created, marked " + r.marker() : "recreated over an earlier attempt");
  }

  private void presync() {
    enter(Phase.PRESYNC);
    if (reverse) {
      steps.skip(Phase.PRESYNC, "rehearsal copy (timed)", "a rollback copies once, in the freeze, over the fallback");
      return;
    }
    long copyMillis;
    if (logical()) {
      // Registered after the target's drop, so it runs first: a database with a live subscription
      // cannot be dropped, and a slot left on the source would fill its disk.
      saga.addCompensation(() -> compensation("remove logical replication", () -> database.cleanupLogical(logicalRequest())));
      steps.run(Phase.PRESYNC, "start logical replication", () -> database.startLogical(logicalRequest()),
          r -> (r.reused() ? "reused " : "created ") + r.name() + " for " + r.tables() + " tables");
      replication = steps.run(Phase.PRESYNC, "initial copy while the source serves",
          () -> database.awaitInitialCopy(new LogicalWaitRequest(logicalRequest(), INITIAL_COPY_TIMEOUT)),
          this::describe);
      copyMillis = CATCH_UP_ESTIMATE_MILLIS;
    } else {
      copyMillis = steps.run(Phase.PRESYNC, "rehearsal copy (timed)", () -> database.copy(copyRequest()), this::describe)
          .totalMillis();
    }
    List<DatabaseFingerprint> both = fingerprintBoth(Phase.PRESYNC, "rehearsal fingerprints (timed)");
    long fingerprintMillis = logical() && plan.verify().beforeFreeze() ? RECHECK_ESTIMATE_MILLIS
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
    waitingForConfirm = true;
    int index = steps.begin(Phase.CONFIRM, "wait for confirm");
    Duration staleAfter = plan.confirm().staleAfter();
    long staleAt = Workflow.currentTimeMillis() + staleAfter.toMillis();
    while (confirmed == null && aborted == null) {
      // Wake for whichever comes first: a decision, the stale mark, or (logical) the next lag reading.
      long untilStale = staleAt - Workflow.currentTimeMillis();
      Duration wait = stale ? LAG_POLL_STALE : untilStale > 0 ? Duration.ofMillis(untilStale) : Duration.ZERO;
      if (logical() && !stale) {
        wait = wait.compareTo(LAG_POLL) > 0 ? LAG_POLL : wait;
      }
      boolean decided = wait.isZero() ? false : Workflow.await(wait, () -> confirmed != null || aborted != null);
      if (decided) {
        break;
      }
      if (!stale && Workflow.currentTimeMillis() >= staleAt) {
        stale = true;
        log.warn("the move of {} has waited at the confirm gate for {}: it is stale", plan.app(), staleAfter);
        steps.update(index, "stale: waiting longer than " + Durations.format(staleAfter));
        if (Workflow.getTypedSearchAttributes().containsKey(CutoverSearchAttributes.PHASE)) {
          Workflow.upsertTypedSearchAttributes(CutoverSearchAttributes.PHASE.valueSet("CONFIRM_STALE"));
        }
        Workflow.upsertMemo(Map.of("stale", true));
        if (!logical()) {
          Workflow.await(() -> confirmed != null || aborted != null);
        }
      }
      if (logical() && confirmed == null && aborted == null) {
        readLag();
      }
    }
    waitingForConfirm = false;
    if (aborted != null) {
      steps.end(index, State.FAILED, "aborted by " + aborted.by() + reasonSuffix(aborted));
      return false;
    }
    steps.end(index, State.DONE, "confirmed by " + confirmed.by() + (stale ? " (after it went stale)" : ""));
    if (stale) {
      recheckAfterStale();
    }
    return true;
  }

  /** Lag is information for the operator at the gate; a failed reading is not a reason to stop. */
  private void readLag() {
    try {
      replication = database.lag(logicalRequest());
    } catch (TemporalFailure e) {
      log.warn("could not read replication lag: {}", Steps.reason(e));
    }
  }

  /**
   * A confirm given to a move that sat at the gate past confirm.staleAfter acts on a world that may
   * have changed since preflight (a new config key, a full disk, a target someone touched): run
   * preflight again before anything freezes, and stop if it now finds a blocking problem.
   */
  private void recheckAfterStale() {
    findings.clear();
    if (!preflight()) {
      throw new StopMove(Outcome.ABORTED, "preflight run again after the stale confirm found blocking problems");
    }
    enter(Phase.CONFIRM);
  }

  private void settle() {
    enter(Phase.SETTLE);
    var settle = plan.settle();
    if (settle.guards().isEmpty()) {
      steps.skip(Phase.SETTLE, "settle guards", "the plan has no guards");
      return;
    }
    int index = steps.begin(Phase.SETTLE, "wait until every guard holds for " + Durations.format(settle.stableFor()));
    long deadline = Workflow.currentTimeMillis() + settle.timeout().toMillis();
    Long holdingSince = null;
    while (true) {
      stopIfAborted();
      List<GuardResult> results =
          database.checkGuards(
              new GuardRequest(plan.source().name(), plan.source().database(), settle.guards()));
      long now = Workflow.currentTimeMillis();
      List<String> failing =
          results.stream().filter(r -> !r.holds()).map(GuardResult::name).collect(Collectors.toList());
      if (failing.isEmpty()) {
        holdingSince = holdingSince == null ? now : holdingSince;
        if (now - holdingSince >= settle.stableFor().toMillis()) {
          steps.end(index, State.DONE, "every guard held for " + (now - holdingSince) + " ms");
          return;
        }
        steps.update(index, "all guards hold, stable for " + (now - holdingSince) + " ms");
      } else {
        holdingSince = null;
        steps.update(index, "still false: " + String.join(", ", failing));
      }
      if (now >= deadline) {
        steps.end(index, State.FAILED, "timed out; still false: " + String.join(", ", failing));
        throw new StopMove(
            Outcome.ABORTED, "settle timed out after " + Durations.format(settle.timeout()) + "; still false: " + failing);
      }
      Workflow.await(settle.pollEvery(), () -> aborted != null);
    }
  }

  /**
   * Logical moves: a change log on each side, then both fingerprinted while the app still serves, so the
   * freeze re-checks only what changed since (DatabaseActivities.verifyChanges) and the blackout does not
   * grow with the database. A side that cannot record leaves the freeze to read every row, as before.
   */
  private void verifyBeforeFreeze() {
    if (!logical() || !plan.verify().beforeFreeze()) {
      return;
    }
    // Moves recorded before this step existed replay without it.
    if (Workflow.getVersion("verify-before-freeze", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return;
    }
    stopIfAborted();
    saga.addCompensation(() -> compensation("drop the change logs", this::dropChangeLogs));
    Promise<ChangeLogStarted> s = Async.function(database::startChangeLog, changeLogRequest(plan.source(), "source"));
    Promise<ChangeLogStarted> t = Async.function(database::startChangeLog, changeLogRequest(plan.target(), "target"));
    List<ChangeLogStarted> logs = steps.run(Phase.SETTLE, "start change logs on both sides",
        () -> List.of(s.get(), t.get()), this::describeChangeLogs);
    if (!logs.get(0).recording() || !logs.get(1).recording()) {
      dropChangeLogs();
      return;
    }
    baselines = fingerprintBoth(Phase.SETTLE, "fingerprint both sides before the freeze");
    changeLogs = logs;
    // The baselines are of two moments, so they differ wherever a change was in flight; left as ranges,
    // those chunks would be re-read inside the freeze (seconds at 3 GB). Narrowed here, only keys are.
    if (Workflow.getVersion("narrow-baselines", Workflow.DEFAULT_VERSION, 1) == Workflow.DEFAULT_VERSION) {
      return;
    }
    Rechecks.Plan recheck = Rechecks.plan(baselines.get(0), baselines.get(1));
    if (recheck.ranges().isEmpty()) {
      return;
    }
    Box source = plan.source();
    Box target = plan.target();
    baselineKeys = steps.run(Phase.SETTLE, "narrow where the fingerprints before the freeze differ",
        () -> database.narrowBaselines(new BaselineNarrowRequest(source.name(), source.database(), target.name(),
            target.database(), recheck.ranges(), BASELINE_KEYS)),
        r -> r.keys().values().stream().mapToInt(List::size).sum() + " differing keys in "
            + r.keys().size() + " tables" + (r.unresolved().isEmpty() ? "" : "; ranges kept for " + r.unresolved())
            + "; " + r.rows() + " rows read in " + r.millis() + " ms");
  }

  private String describeChangeLogs(List<ChangeLogStarted> logs) {
    List<String> out = new ArrayList<>();
    List<Box> boxes = List.of(plan.source(), plan.target());
    for (int i = 0; i < 2; i++) {
      ChangeLogStarted log = logs.get(i);
      out.add(boxes.get(i).name() + (log.recording() ? ": recording from " + log.startLsn()
          : ": cannot record (" + log.reason() + "); the freeze will re-read every row"));
    }
    return String.join("; ", out);
  }

  private ChangeLogRequest changeLogRequest(Box box, String side) {
    return new ChangeLogRequest(plan.app(), side, box.name(), box.database());
  }

  private void dropChangeLogs() {
    Promise<Void> s = Async.procedure(database::dropChangeLog, changeLogRequest(plan.source(), "source"));
    Promise<Void> t = Async.procedure(database::dropChangeLog, changeLogRequest(plan.target(), "target"));
    s.get();
    t.get();
  }

  private void freeze() {
    stopIfAborted();
    enter(Phase.FREEZE);
    Box source = plan.source();
    blackoutStartedAt = Workflow.currentTimeMillis();
    // Registered first, so undoing the freeze releases the front door last, after the source app is back.
    saga.addCompensation(
        () -> compensation("point front door back at " + source.name(), () -> frontDoor.pointAt(frontDoorRequest(Side.SOURCE))));
    if (reverse) {
      steps.skip(Phase.FREEZE, "hold requests at the front door", "a front door holds only toward the plan's target");
    } else {
      steps.run(Phase.FREEZE, "hold requests at the front door", () -> frontDoor.hold(frontDoorRequest(Side.TARGET)),
          r -> r.detail());
    }
    stopService(Phase.FREEZE, source, "app", source.app());
    for (NamedService writer : source.writers()) {
      stopService(Phase.FREEZE, source, "writer " + writer.name(), writer.service());
    }
    for (NamedService job : source.jobs()) {
      stopService(Phase.FREEZE, source, "job " + job.name(), job.service());
    }
    saga.addCompensation(
        () -> compensation("unfence source database", () -> database.unfence(fenceRequest(source))));
    steps.run(
        Phase.FREEZE,
        "fence source database",
        () -> database.fence(fenceRequest(source)),
        r -> "read-only for everyone but the mover; ended " + r.sessionsEnded() + " sessions; WAL at "
            + r.walPosition());
  }

  private void copy() {
    stopIfAborted();
    enter(Phase.COPY);
    if (logical()) {
      steps.run(Phase.COPY, "catch up to the fence, copy sequences, stop replicating",
          () -> database.catchUp(new LogicalWaitRequest(logicalRequest(), CATCH_UP_TIMEOUT)),
          r -> "caught up to " + r.fenceLsn() + " in " + r.waitMillis() + " ms; " + r.sequences() + " sequences, "
              + r.largeObjects() + " large objects; " + r.totalMillis() + " ms in all");
      return;
    }
    steps.run(Phase.COPY, "dump and restore", () -> database.copy(copyRequest()), this::describe);
  }

  /** A rollback copies with dump-restore: starting a subscription would rebuild the fallback before the freeze. */
  private boolean logical() {
    return !reverse && plan.copy().strategy() == Copy.Strategy.LOGICAL;
  }

  private LogicalRequest logicalRequest() {
    return new LogicalRequest(plan.app(), moveId, plan.source().name(), plan.source().database(),
        plan.target().name(), plan.target().database(), plan.copy());
  }

  private String describe(LogicalLag lag) {
    return lag.initialCopyDone() ? "initial copy done for " + lag.tables() + " tables"
        + (lag.bytesBehind() == null ? "" : "; " + lag.bytesBehind() + " bytes behind")
        : lag.copying().size() + " tables still copying";
  }

  private void verify() {
    stopIfAborted();
    enter(Phase.VERIFY);
    if (baselines != null && recheckedEqual()) {
      return;
    }
    List<DatabaseFingerprint> both = fingerprintBoth(Phase.VERIFY, "fingerprint both sides");
    fingerprints = Comparisons.compare(both.get(0), both.get(1));
    if (!Comparisons.allMatch(fingerprints)) {
      narrowDifferences();
      String differing =
          fingerprints.stream()
              .filter(c -> !c.matches())
              .map(c -> c.table() + " (" + c.difference() + ")")
              .collect(Collectors.joining(", "));
      throw new StopMove(Outcome.ROLLED_BACK, "verify gate failed: fingerprints differ: " + differing);
    }
    verifiedTarget = both.get(1);
  }

  /**
   * Re-checks what the baselines cannot vouch for. True when every table matches. Otherwise the caller
   * fingerprints everything, which names the differing ranges and rows as a verify without baselines does.
   */
  private boolean recheckedEqual() {
    Box source = plan.source();
    Box target = plan.target();
    Rechecks.Plan recheck = Rechecks.plan(baselines.get(0), baselines.get(1));
    Map<String, List<KeyRange>> ranges = new java.util.TreeMap<>(recheck.ranges());
    Map<String, List<List<String>>> keys = Map.of();
    if (baselineKeys != null) {
      ranges.keySet().retainAll(baselineKeys.unresolved());
      keys = baselineKeys.keys();
    }
    Map<String, List<List<String>>> narrowedKeys = keys;
    ChangesVerified result = steps.run(Phase.VERIFY, "re-check what changed since the fingerprints before the freeze",
        () -> database.verifyChanges(new ChangesRequest(plan.app(), source.name(), source.database(), target.name(),
            target.database(), plan.verify(), changeLogs.get(0).layouts(), changeLogs.get(1).layouts(),
            ranges, recheck.whole(), narrowedKeys)),
        this::describe);
    fingerprints = Rechecks.comparisons(baselines.get(0), baselines.get(1), result.tables());
    if (result.tables().stream().allMatch(TableRecheck::matches)) {
      return true;
    }
    log.warn("the re-check at the freeze found differences; fingerprinting every row to name them");
    return false;
  }

  private String describe(ChangesVerified r) {
    long keys = r.tables().stream().mapToLong(TableRecheck::changedKeys).sum();
    long ranges = r.tables().stream().mapToLong(TableRecheck::ranges).sum();
    List<String> whole = r.tables().stream().filter(TableRecheck::whole).map(TableRecheck::table).toList();
    long differing = r.tables().stream().filter(t -> !t.matches()).count();
    return r.changes() + " changes read; " + keys + " changed keys and " + ranges + " differing ranges re-read"
        + (whole.isEmpty() ? "" : ", whole: " + String.join(", ", whole)) + "; " + r.bytes() + " bytes in "
        + r.millis() + " ms; " + (differing == 0 ? "every table matches" : differing + " tables differ");
  }

  /**
   * Before rolling back, name the rows that differ (keys only: rows may be personal data), so the
   * operator can see what the copy got wrong. Best effort: the rollback does not wait on it.
   */
  private void narrowDifferences() {
    Box source = plan.source();
    Box target = plan.target();
    for (TableComparison table : fingerprints) {
      if (table.matches() || table.differingRanges() == null || table.differingRanges().isEmpty()) {
        continue;
      }
      try {
        differences.add(steps.run(Phase.VERIFY, "find differing rows in " + table.table(),
            () -> database.narrow(new NarrowRequest(source.name(), source.database(), target.name(), target.database(),
                table.table(), table.differingRanges(), DIFFERING_KEYS_SHOWN, false)),
            d -> "keys differing on " + source.name() + ": " + d.sourceKeys() + ", on " + target.name() + ": "
                + d.targetKeys() + (d.truncated() ? " (more not shown)" : "")));
      } catch (TemporalFailure e) {
        log.warn("could not narrow the differences in {}: {}", table.table(), Steps.reason(e));
      }
    }
  }

  private void switchOver() {
    stopIfAborted();
    enter(Phase.SWITCH);
    switchStarted = true;
    Box target = plan.target();
    saga.addCompensation(
        () -> compensation("fence target database", () -> database.fence(fenceRequest(target))));
    steps.run(Phase.SWITCH, "unfence target database", () -> {
      database.unfence(fenceRequest(target));
      return null;
    }, r -> "accepts writes");
    // Jobs first, so nothing due between the app's start and theirs is missed; the source's jobs and
    // writers were stopped in the freeze, so two of them never run at once.
    for (NamedService job : target.jobs()) {
      startService(Phase.SWITCH, target, "job " + job.name(), job.service());
    }
    for (NamedService writer : target.writers()) {
      startService(Phase.SWITCH, target, "writer " + writer.name(), writer.service());
    }
    startService(Phase.SWITCH, target, "app", target.app());
    saga.addCompensation(
        () ->
            compensation(
                "point front door back at " + plan.source().name(),
                () -> frontDoor.pointAt(frontDoorRequest(Side.SOURCE))));
    steps.run(
        Phase.SWITCH,
        "point front door at " + target.name(),
        () -> frontDoor.pointAt(frontDoorRequest(Side.TARGET)),
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
    if (changeLogs != null) {
      // Left until now so that dropping them costs the blackout nothing; a slot holds WAL until dropped.
      steps.run(Phase.REPORT, "drop the change logs", () -> {
        dropChangeLogs();
        return null;
      }, r -> "dropped on both sides");
    }
    steps.run(Phase.REPORT, "mark target database live", () -> {
      database.markTargetLive(targetRequest());
      return null;
    }, r -> "no later move may drop it; the source stays fenced and stopped as the fallback");
  }

  // ---- compensation -----------------------------------------------------------------------------

  private CutoverResult compensate(Outcome wanted, String reason) {
    failure = reason;
    log.warn("move of {} stopping: {}", plan.app(), reason);
    enter(Phase.ROLLBACK);
    List<String> notUndone = new ArrayList<>();
    Workflow.newDetachedCancellationScope(() -> {
      if (switchStarted && !targetUnchangedSinceVerify()) {
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
   * compare with the fingerprint verified before the switch. If it changed, unfence it again so it
   * stays the one live writer, and leave the decision to a human.
   */
  private boolean targetUnchangedSinceVerify() {
    Box target = plan.target();
    try {
      steps.run(Phase.ROLLBACK, "fence target to check for writes", () -> database.fence(fenceRequest(target)),
          r -> "fenced");
      boolean unchanged;
      if (verifiedTarget != null) {
        DatabaseFingerprint now =
            steps.run(Phase.ROLLBACK, "fingerprint target again", () -> database.fingerprint(
                new FingerprintRequest(target.name(), target.database(), plan.verify())), r -> r.tables().size() + " tables");
        unchanged = Comparisons.allMatch(Comparisons.compare(verifiedTarget, now));
      } else {
        // Verified by a re-check, so there is no whole fingerprint of the target to compare with. The
        // source has stayed fenced since, so a target still equal to it has taken no writes.
        List<DatabaseFingerprint> both = fingerprintBoth(Phase.ROLLBACK, "fingerprint both sides again");
        unchanged = Comparisons.allMatch(Comparisons.compare(both.get(0), both.get(1)));
      }
      if (unchanged) {
        return true;
      }
      steps.run(Phase.ROLLBACK, "unfence target: it holds new writes", () -> {
        database.unfence(fenceRequest(target));
        return null;
      }, r -> "target stays the live writer");
      return false;
    } catch (TemporalFailure e) {
      log.error("could not check the target for writes: {}", Steps.reason(e));
      return false;
    }
  }

  private void compensation(String name, Runnable action) {
    steps.run(Phase.ROLLBACK, name, () -> {
      action.run();
      return null;
    }, r -> "done");
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private void stopService(Phase at, Box box, String what, Service service) {
    if (!service.start().isEmpty()) {
      saga.addCompensation(() -> compensation("start " + what + " on " + box.name(), () -> {
        run(box, "start " + what, service.start());
        verifyState(at, box, what, service, true);
      }));
    }
    runCommand(at, box, "stop " + what, service.stop());
    verifyState(at, box, what, service, false);
  }

  private void startService(Phase at, Box box, String what, Service service) {
    if (!service.stop().isEmpty()) {
      saga.addCompensation(() -> compensation("stop " + what + " on " + box.name(), () -> {
        run(box, "stop " + what, service.stop());
        verifyState(at, box, what, service, false);
      }));
    }
    runCommand(at, box, "start " + what, service.start());
    verifyState(at, box, what, service, true);
  }

  /** A command's exit code is a claim; the plan's check is the proof that the service really stopped or ran. */
  private void verifyState(Phase at, Box box, String what, Service service, boolean running) {
    if (service.check() == null) {
      return;
    }
    steps.run(at, "check " + what + " on " + box.name() + (running ? " is running" : " is stopped"),
        () -> hostsFor(box).verifyState(new StateCheckRequest(box.name(), box.host(), what, service.check(), running,
            Duration.ofSeconds(60))),
        r -> r.detail());
  }

  private void runCommand(Phase at, Box box, String purpose, List<String> argv) {
    if (argv.isEmpty()) {
      steps.skip(at, purpose + " on " + box.name(), "no command in the plan");
      return;
    }
    steps.run(at, purpose + " on " + box.name(), () -> run(box, purpose, argv), r -> "exit " + r.exitCode() + " in " + r.millis() + " ms");
  }

  private HostActivities.CommandResult run(Box box, String purpose, List<String> argv) {
    return hostsFor(box).run(new CommandRequest(box.name(), box.host(), purpose, argv, COMMAND_TIMEOUT));
  }

  /** Commands for a box with its own worker go to that worker's task queue; the rest run here. */
  private HostActivities hostsFor(Box box) {
    if (box.host().exec() != Host.Exec.WORKER) {
      return hosts;
    }
    return Workflow.newActivityStub(HostActivities.class,
        ActivityPolicies.DEFAULT.toBuilder().setTaskQueue(box.host().taskQueue()).build(), ActivityPolicies.HOSTS);
  }

  private List<DatabaseFingerprint> fingerprintBoth(Phase at, String name) {
    Box source = plan.source();
    Box target = plan.target();
    // Both sides at once: the verify gate's cost is the slower side, not the sum.
    Promise<DatabaseFingerprint> s =
        Async.function(database::fingerprint, new FingerprintRequest(source.name(), source.database(), plan.verify()));
    Promise<DatabaseFingerprint> t =
        Async.function(database::fingerprint, new FingerprintRequest(target.name(), target.database(), plan.verify()));
    return steps.run(at, name, () -> List.of(s.get(), t.get()),
        r -> r.get(0).tables().size() + " tables, " + r.get(0).millis() + " ms / " + r.get(1).millis() + " ms");
  }

  /**
   * The front door's sides are named after the plan as written. A rollback runs on the swapped plan,
   * so "point at this move's target" means pointing back at the written plan's source.
   */
  private FrontDoorRequest frontDoorRequest(Side side) {
    Side written = !reverse ? side : side == Side.TARGET ? Side.SOURCE : Side.TARGET;
    return new FrontDoorRequest(plan.app(), plan.frontDoor(), written);
  }

  private TargetRequest targetRequest() {
    return new TargetRequest(plan.app(), moveId, plan.target().name(), plan.target().database());
  }

  private FenceRequest fenceRequest(Box box) {
    return new FenceRequest(plan.app(), box.name(), box.database());
  }

  private CopyRequest copyRequest() {
    return new CopyRequest(
        plan.app(), moveId, plan.source().name(), plan.source().database(),
        plan.target().name(), plan.target().database(), plan.copy());
  }

  private void stopIfAborted() {
    if (aborted != null) {
      throw new StopMove(Outcome.ABORTED, "aborted by " + aborted.by() + reasonSuffix(aborted));
    }
  }

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

  private String describe(CopyResult r) {
    return r.tables() + " tables, " + r.bytes() + " bytes in " + r.totalMillis() + " ms";
  }

  private static String reasonSuffix(Decision decision) {
    return decision.reason() == null || decision.reason().isBlank() ? "" : ": " + decision.reason();
  }

  /** Ends the forward path: the saga then compensates and the move ends with {@link #outcome}. */
  private static final class StopMove extends RuntimeException {
    private final Outcome outcome;

    StopMove(Outcome outcome, String message) {
      super(message);
      this.outcome = outcome;
    }
  }
}
