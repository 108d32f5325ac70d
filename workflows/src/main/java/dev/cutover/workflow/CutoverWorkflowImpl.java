package dev.cutover.workflow;

import dev.cutover.database.DatabaseActivities;
import dev.cutover.database.Markers;
import dev.cutover.database.DatabaseActivities.CopyRequest;
import dev.cutover.database.DatabaseActivities.CopyResult;
import dev.cutover.database.DatabaseActivities.DatabaseInfo;
import dev.cutover.database.DatabaseActivities.FenceRequest;
import dev.cutover.database.DatabaseActivities.FingerprintRequest;
import dev.cutover.database.DatabaseActivities.GuardRequest;
import dev.cutover.database.DatabaseActivities.GuardResult;
import dev.cutover.database.DatabaseActivities.InspectRequest;
import dev.cutover.database.DatabaseActivities.TargetRequest;
import dev.cutover.frontdoor.FrontDoorActivities;
import dev.cutover.frontdoor.FrontDoorActivities.FrontDoorRequest;
import dev.cutover.frontdoor.FrontDoorActivities.Side;
import dev.cutover.hosts.HostActivities;
import dev.cutover.hosts.HostActivities.CommandRequest;
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
import dev.cutover.verify.TableComparison;
import dev.cutover.workflow.StepStatus.State;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.failure.TimeoutFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Saga;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
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

  private final DatabaseActivities database =
      Workflow.newActivityStub(DatabaseActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.DATABASE);
  private final HostActivities hosts =
      Workflow.newActivityStub(HostActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.HOSTS);
  private final FrontDoorActivities frontDoor =
      Workflow.newActivityStub(
          FrontDoorActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.FRONT_DOOR);
  private final HealthActivities health =
      Workflow.newActivityStub(HealthActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.HEALTH);

  /** Compensations keep going past a failed one, so one stuck command does not strand the rest. */
  private final Saga saga = new Saga(new Saga.Options.Builder().setContinueWithError(true).build());

  private Plan plan;
  private boolean rehearsal;
  private String moveId;
  private Phase phase = Phase.PREFLIGHT;
  private final List<StepStatus> steps = new ArrayList<>();
  private final List<Finding> findings = new ArrayList<>();
  private List<TableComparison> fingerprints = List.of();
  private DatabaseFingerprint verifiedTarget;
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
      if (!awaitConfirmation()) {
        return compensate(
            Outcome.ABORTED, "aborted at the confirm gate by " + aborted.by() + reasonSuffix(aborted));
      }
      settle();
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
      return compensate(Outcome.ROLLED_BACK, phase.name().toLowerCase() + " failed: " + reason(failed));
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
        steps,
        findings,
        fingerprints,
        estimatedBlackoutMillis,
        blackoutStartedAt,
        blackoutEndedAt,
        confirmed,
        aborted,
        failure);
  }

  // ---- phases ---------------------------------------------------------------------------------

  private boolean preflight() {
    enter(Phase.PREFLIGHT);
    Box source = plan.source();
    Box target = plan.target();
    Promise<DatabaseInfo> sourceInfo =
        Async.function(database::inspect, new InspectRequest(source.name(), source.database()));
    Promise<DatabaseInfo> targetInfo =
        Async.function(database::inspect, new InspectRequest(target.name(), target.database()));
    DatabaseInfo s = step(Phase.PREFLIGHT, "inspect source database", sourceInfo::get, this::describe);
    DatabaseInfo t = step(Phase.PREFLIGHT, "inspect target database", targetInfo::get, this::describe);
    checkSource(s);
    checkTarget(t);
    checkSupported();
    if (s.reachable() && t.reachable() && s.serverVersionNum() != null && t.serverVersionNum() != null) {
      checkVersions(s, t);
    }
    try {
      step(
          Phase.PREFLIGHT,
          "check front door (" + plan.frontDoor().type() + ")",
          () -> frontDoor.check(frontDoorRequest(Side.TARGET)),
          r -> r.detail());
      findings.add(Finding.ok("front door", plan.frontDoor().type() + " is usable"));
    } catch (TemporalFailure e) {
      findings.add(
          Finding.blocking("front door", reason(e), "fix frontDoor in the plan or its credentials"));
    }
    return findings.stream().noneMatch(f -> f.severity() == Finding.Severity.BLOCKING);
  }

  /**
   * Plan keys this build accepts but does not act on yet. Each is said out loud: a move that quietly
   * did something other than what the plan asked would be a fake success.
   */
  private void checkSupported() {
    if (plan.copy().strategy() == Copy.Strategy.LOGICAL) {
      findings.add(Finding.blocking("copy", "copy.strategy logical is not supported by this build yet",
          "use copy.strategy dump-restore"));
    }
    for (Box box : List.of(plan.source(), plan.target())) {
      if (box.host().exec() != Host.Exec.LOCAL) {
        findings.add(Finding.blocking("host " + box.name(),
            "host.exec " + box.host().exec().name().toLowerCase() + " is not supported by this build yet",
            "run a worker on a machine that can run " + box.name() + "'s commands locally, with exec: local"));
      }
      if (box.config() != null) {
        findings.add(Finding.warning("config " + box.name(),
            "comparing app config files is not done by this build yet: " + box.config().file() + " was not checked",
            "compare the key names of both boxes' config files by hand before you confirm"));
      }
    }
  }

  private void checkSource(DatabaseInfo s) {
    if (!s.reachable()) {
      findings.add(
          Finding.blocking(
              "source database",
              "cannot connect to " + s.box() + ": " + s.error(),
              "check source.database (url, user, password variable on the worker)"));
    } else if (!s.exists()) {
      findings.add(
          Finding.blocking("source database", "the source database does not exist", "check source.database.url"));
    } else {
      findings.add(Finding.ok("source database", s.serverVersion() + ", " + s.userTables() + " tables"));
      if (s.fenced()) {
        findings.add(
            Finding.warning(
                "source database",
                "the source is fenced read-only by an earlier move",
                "if that move ended, the source is its fallback: make sure this is the box to move from"));
      }
    }
  }

  private void checkTarget(DatabaseInfo t) {
    if (!t.reachable()) {
      findings.add(
          Finding.blocking(
              "target database",
              "cannot connect to " + t.box() + ": " + t.error(),
              "check target.database (url, user, password variable on the worker)"));
    } else if (!t.exists()) {
      findings.add(Finding.ok("target database", "does not exist yet; the move will create it"));
    } else if (!Markers.isOurs(t.marker(), plan.app())) {
      findings.add(
          Finding.blocking(
              "target database",
              "the target database exists and was not created by a cutover move of " + plan.app()
                  + " (" + t.userTables() + " tables); cutover never overwrites it",
              "drop it yourself if it holds nothing you need, or point target.database.url at a new name"));
    } else if (Markers.isLive(t.marker())) {
      findings.add(
          Finding.blocking(
              "target database",
              "the target database is live: a completed move of " + plan.app() + " serves from it",
              "nothing to do, or move in the other direction"));
    } else {
      findings.add(Finding.ok("target database", "left by an earlier attempt of this app; will be recreated"));
    }
  }

  private void checkVersions(DatabaseInfo s, DatabaseInfo t) {
    if (t.serverVersionNum() / 10000 < s.serverVersionNum() / 10000) {
      findings.add(
          Finding.blocking(
              "server versions",
              "target runs PostgreSQL " + t.serverVersion() + ", older than the source's " + s.serverVersion(),
              "upgrade the target's PostgreSQL to at least the source's major version"));
    } else {
      findings.add(Finding.ok("server versions", s.serverVersion() + " -> " + t.serverVersion()));
    }
  }

  private void prepare() {
    enter(Phase.PREPARE);
    Box target = plan.target();
    runCommand(Phase.PREPARE, target, "stop app", target.app().stop());
    for (NamedService job : target.jobs()) {
      runCommand(Phase.PREPARE, target, "stop job " + job.name(), job.stop());
    }
    saga.addCompensation(
        () -> compensation("drop target database", () -> database.dropTarget(targetRequest())));
    step(
        Phase.PREPARE,
        "create target database",
        () -> database.prepareTarget(targetRequest()),
        r -> r.created() ? "created, marked " + r.marker() : "recreated over an earlier attempt");
  }

  private void presync() {
    enter(Phase.PRESYNC);
    CopyResult rehearsalCopy =
        step(Phase.PRESYNC, "rehearsal copy (timed)", () -> database.copy(copyRequest()), this::describe);
    List<DatabaseFingerprint> both = fingerprintBoth(Phase.PRESYNC, "rehearsal fingerprints (timed)");
    long fingerprintMillis = Math.max(both.get(0).millis(), both.get(1).millis());
    estimatedBlackoutMillis = rehearsalCopy.totalMillis() + fingerprintMillis;
  }

  private boolean awaitConfirmation() {
    enter(Phase.CONFIRM);
    waitingForConfirm = true;
    int index = begin(Phase.CONFIRM, "wait for confirm");
    Duration staleAfter = plan.confirm().staleAfter();
    boolean decided = Workflow.await(staleAfter, () -> confirmed != null || aborted != null);
    if (!decided) {
      stale = true;
      log.warn("the move of {} has waited at the confirm gate for {}: it is stale", plan.app(), staleAfter);
      update(index, "stale: waiting longer than " + Durations.format(staleAfter));
      Workflow.await(() -> confirmed != null || aborted != null);
    }
    waitingForConfirm = false;
    if (aborted != null) {
      end(index, State.FAILED, "aborted by " + aborted.by() + reasonSuffix(aborted));
      return false;
    }
    end(index, State.DONE, "confirmed by " + confirmed.by());
    return true;
  }

  private void settle() {
    enter(Phase.SETTLE);
    var settle = plan.settle();
    if (settle.guards().isEmpty()) {
      skip(Phase.SETTLE, "settle guards", "the plan has no guards");
      return;
    }
    int index = begin(Phase.SETTLE, "wait until every guard holds for " + Durations.format(settle.stableFor()));
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
          end(index, State.DONE, "every guard held for " + (now - holdingSince) + " ms");
          return;
        }
        update(index, "all guards hold, stable for " + (now - holdingSince) + " ms");
      } else {
        holdingSince = null;
        update(index, "still false: " + String.join(", ", failing));
      }
      if (now >= deadline) {
        end(index, State.FAILED, "timed out; still false: " + String.join(", ", failing));
        throw new StopMove(
            Outcome.ABORTED, "settle timed out after " + Durations.format(settle.timeout()) + "; still false: " + failing);
      }
      Workflow.await(settle.pollEvery(), () -> aborted != null);
    }
  }

  private void freeze() {
    stopIfAborted();
    enter(Phase.FREEZE);
    Box source = plan.source();
    blackoutStartedAt = Workflow.currentTimeMillis();
    // Registered first, so undoing the freeze releases the front door last, after the source app is back.
    saga.addCompensation(
        () -> compensation("point front door back at " + source.name(), () -> frontDoor.pointAt(frontDoorRequest(Side.SOURCE))));
    step(Phase.FREEZE, "hold requests at the front door", () -> frontDoor.hold(frontDoorRequest(Side.TARGET)),
        r -> r.detail());
    stopService(Phase.FREEZE, source, "app", source.app().stop(), source.app().start());
    for (NamedService writer : source.writers()) {
      stopService(Phase.FREEZE, source, "writer " + writer.name(), writer.stop(), writer.start());
    }
    for (NamedService job : source.jobs()) {
      stopService(Phase.FREEZE, source, "job " + job.name(), job.stop(), job.start());
    }
    saga.addCompensation(
        () -> compensation("unfence source database", () -> database.unfence(fenceRequest(source))));
    step(
        Phase.FREEZE,
        "fence source database",
        () -> database.fence(fenceRequest(source)),
        r -> "read-only for everyone but the mover; ended " + r.sessionsEnded() + " sessions; WAL at "
            + r.walPosition());
  }

  private void copy() {
    stopIfAborted();
    enter(Phase.COPY);
    step(Phase.COPY, "dump and restore", () -> database.copy(copyRequest()), this::describe);
  }

  private void verify() {
    stopIfAborted();
    enter(Phase.VERIFY);
    List<DatabaseFingerprint> both = fingerprintBoth(Phase.VERIFY, "fingerprint both sides");
    fingerprints = Comparisons.compare(both.get(0), both.get(1));
    if (!Comparisons.allMatch(fingerprints)) {
      String differing =
          fingerprints.stream()
              .filter(c -> !c.matches())
              .map(c -> c.table() + " (" + c.difference() + ")")
              .collect(Collectors.joining(", "));
      throw new StopMove(Outcome.ROLLED_BACK, "verify gate failed: fingerprints differ: " + differing);
    }
    verifiedTarget = both.get(1);
  }

  private void switchOver() {
    stopIfAborted();
    enter(Phase.SWITCH);
    switchStarted = true;
    Box target = plan.target();
    saga.addCompensation(
        () -> compensation("fence target database", () -> database.fence(fenceRequest(target))));
    step(Phase.SWITCH, "unfence target database", () -> {
      database.unfence(fenceRequest(target));
      return null;
    }, r -> "accepts writes");
    // Jobs first, so nothing due between the app's start and theirs is missed; the source's jobs
    // were stopped in the freeze, so two job runners never run at once.
    for (NamedService job : target.jobs()) {
      startService(Phase.SWITCH, target, "job " + job.name(), job.start(), job.stop());
    }
    startService(Phase.SWITCH, target, "app", target.app().start(), target.app().stop());
    saga.addCompensation(
        () ->
            compensation(
                "point front door back at " + plan.source().name(),
                () -> frontDoor.pointAt(frontDoorRequest(Side.SOURCE))));
    step(
        Phase.SWITCH,
        "point front door at " + target.name(),
        () -> frontDoor.pointAt(frontDoorRequest(Side.TARGET)),
        r -> r.detail());
    blackoutEndedAt = Workflow.currentTimeMillis();
  }

  private void verifyLive() {
    enter(Phase.VERIFY_LIVE);
    step(
        Phase.VERIFY_LIVE,
        "health at " + plan.health().url(),
        () -> health.verifyLive(new LiveRequest(plan.target().name(), plan.health())),
        r -> r.consecutiveOk() + " healthy responses in a row from " + plan.target().name() + " ("
            + r.requests() + " requests, " + r.failures() + " failed)");
  }

  private void report() {
    enter(Phase.REPORT);
    step(Phase.REPORT, "mark target database live", () -> {
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
        notUndone.add("a compensation failed: " + reason(e));
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
      step(Phase.ROLLBACK, "fence target to check for writes", () -> database.fence(fenceRequest(target)),
          r -> "fenced");
      DatabaseFingerprint now =
          step(Phase.ROLLBACK, "fingerprint target again", () -> database.fingerprint(
              new FingerprintRequest(target.name(), target.database(), plan.verify())), r -> r.tables().size() + " tables");
      if (Comparisons.allMatch(Comparisons.compare(verifiedTarget, now))) {
        return true;
      }
      step(Phase.ROLLBACK, "unfence target: it holds new writes", () -> {
        database.unfence(fenceRequest(target));
        return null;
      }, r -> "target stays the live writer");
      return false;
    } catch (TemporalFailure e) {
      log.error("could not check the target for writes: {}", reason(e));
      return false;
    }
  }

  private void compensation(String name, Runnable action) {
    step(Phase.ROLLBACK, name, () -> {
      action.run();
      return null;
    }, r -> "done");
  }

  // ---- helpers ----------------------------------------------------------------------------------

  private void stopService(Phase at, Box box, String what, List<String> stop, List<String> start) {
    if (!start.isEmpty()) {
      saga.addCompensation(() -> compensation("start " + what + " on " + box.name(), () -> run(box, "start " + what, start)));
    }
    runCommand(at, box, "stop " + what, stop);
  }

  private void startService(Phase at, Box box, String what, List<String> start, List<String> stop) {
    if (!stop.isEmpty()) {
      saga.addCompensation(() -> compensation("stop " + what + " on " + box.name(), () -> run(box, "stop " + what, stop)));
    }
    runCommand(at, box, "start " + what, start);
  }

  private void runCommand(Phase at, Box box, String purpose, List<String> argv) {
    if (argv.isEmpty()) {
      skip(at, purpose + " on " + box.name(), "no command in the plan");
      return;
    }
    step(at, purpose + " on " + box.name(), () -> run(box, purpose, argv), r -> "exit " + r.exitCode() + " in " + r.millis() + " ms");
  }

  private HostActivities.CommandResult run(Box box, String purpose, List<String> argv) {
    return hosts.run(new CommandRequest(box.name(), box.host(), purpose, argv, COMMAND_TIMEOUT));
  }

  private List<DatabaseFingerprint> fingerprintBoth(Phase at, String name) {
    Box source = plan.source();
    Box target = plan.target();
    // Both sides at once: the verify gate's cost is the slower side, not the sum.
    Promise<DatabaseFingerprint> s =
        Async.function(database::fingerprint, new FingerprintRequest(source.name(), source.database(), plan.verify()));
    Promise<DatabaseFingerprint> t =
        Async.function(database::fingerprint, new FingerprintRequest(target.name(), target.database(), plan.verify()));
    return step(at, name, () -> List.of(s.get(), t.get()),
        r -> r.get(0).tables().size() + " tables, " + r.get(0).millis() + " ms / " + r.get(1).millis() + " ms");
  }

  private FrontDoorRequest frontDoorRequest(Side side) {
    return new FrontDoorRequest(plan.app(), plan.frontDoor(), side);
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

  private <T> T step(Phase at, String name, Supplier<T> action, Function<T, String> describe) {
    int index = begin(at, name);
    try {
      T result = action.get();
      end(index, State.DONE, describe.apply(result));
      return result;
    } catch (RuntimeException e) {
      end(index, State.FAILED, reason(e));
      throw e;
    }
  }

  private int begin(Phase at, String name) {
    steps.add(new StepStatus(at, name, State.RUNNING, Workflow.currentTimeMillis(), null, null));
    return steps.size() - 1;
  }

  private void update(int index, String detail) {
    StepStatus s = steps.get(index);
    steps.set(index, new StepStatus(s.phase(), s.name(), s.state(), s.startedAt(), null, detail));
  }

  private void end(int index, State state, String detail) {
    steps.set(index, steps.get(index).finish(state, Workflow.currentTimeMillis(), detail));
  }

  private void skip(Phase at, String name, String why) {
    long now = Workflow.currentTimeMillis();
    steps.add(new StepStatus(at, name, State.SKIPPED, now, now, why));
  }

  private CutoverResult finish(Outcome result, String summary) {
    outcome = result;
    enter(Phase.DONE);
    log.info("move of {} ended {}: {}", plan.app(), result, summary);
    return new CutoverResult(result, summary, status());
  }

  private String describe(DatabaseInfo info) {
    if (!info.reachable()) {
      return "unreachable: " + info.error();
    }
    return info.exists()
        ? info.serverVersion() + ", " + info.userTables() + " tables, " + info.sizeBytes() + " bytes"
        : info.serverVersion() + ", database does not exist";
  }

  private String describe(CopyResult r) {
    return r.tables() + " tables, " + r.bytes() + " bytes in " + r.totalMillis() + " ms";
  }

  private static String reasonSuffix(Decision decision) {
    return decision.reason() == null || decision.reason().isBlank() ? "" : ": " + decision.reason();
  }

  /** The innermost human-readable message: an activity's own failure text, not Temporal's wrapper. */
  static String reason(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof ApplicationFailure af) {
        return af.getOriginalMessage();
      }
      if (c instanceof TimeoutFailure tf) {
        return "timed out (" + tf.getTimeoutType().name().toLowerCase().replace("timeout_type_", "") + ")";
      }
    }
    return e.getMessage();
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
