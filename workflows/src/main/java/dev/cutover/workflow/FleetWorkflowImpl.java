package dev.cutover.workflow;

import dev.cutover.plan.FleetConfirm;
import dev.cutover.plan.Plan;
import dev.cutover.workflow.CutoverWorkflow.AbortRequest;
import dev.cutover.workflow.CutoverWorkflow.Confirmation;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;

/**
 * A fleet: every app's move starts at once as a child and runs up to its confirm gate; the fleet's confirm
 * (one for the batch, or one per app) is passed on to the children one at a time, and only while fewer
 * than maxConcurrent of them are past their gates. This is the one place maxConcurrent is enforced: a slot
 * frees when a child ends, however it ends, and one child's rollback or failure stops no other. The
 * parent runs no activities; it only starts, confirms and aborts its children and waits for their results.
 */
public class FleetWorkflowImpl implements FleetWorkflow {

  private static final Logger log = Workflow.getLogger(FleetWorkflowImpl.class);

  private final Map<String, FleetApp> apps = new LinkedHashMap<>();
  /** Apps confirmed on their own ({@code each}), in the order they were confirmed: the order they are released. */
  private final List<String> queue = new ArrayList<>();
  private FleetRequest request;
  private Decision confirmed;
  private Decision aborted;
  private boolean abortSent;

  @Override
  public FleetResult run(FleetRequest fleet) {
    request = fleet;
    for (Plan plan : fleet.plans()) {
      apps.put(plan.app(), new FleetApp(plan));
    }
    apps.values().forEach(this::startChild);
    apps.values().forEach(this::awaitStarted);
    while (!allEnded()) {
      Workflow.await(() -> allEnded() || (aborted != null && !abortSent) || nextToRelease() != null);
      if (aborted != null && !abortSent) {
        abortChildren();
        continue;
      }
      FleetApp next = nextToRelease();
      if (next != null) {
        release(next);
      }
    }
    List<FleetResult.AppOutcome> outcomes = apps.values().stream().map(FleetApp::outcomeRecord).toList();
    String summary = summary(outcomes);
    log.info("fleet {} ended: {}", fleet.name(), summary);
    return new FleetResult(fleet.name(), summary, outcomes, status());
  }

  // ---- children ---------------------------------------------------------------------------------

  private void startChild(FleetApp app) {
    CutoverRequest move = CutoverRequest.move(app.plan, false, request.requestedBy());
    ChildWorkflowOptions options = ChildWorkflowOptions.newBuilder()
        .setWorkflowId(app.plan.workflowId())
        .setTaskQueue(TaskQueues.MAIN)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        // A fleet that is terminated must not terminate a move in the middle of its freeze.
        .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_ABANDON)
        .setStaticSummary(WebUi.summary(move))
        .setStaticDetails(WebUi.details(move))
        .build();
    app.child = Workflow.newChildWorkflowStub(CutoverWorkflow.class, options);
    Promise<CutoverResult> result = Async.function(app.child::run, move);
    result.handle((r, failure) -> {
      if (failure != null) {
        app.failure = app.started ? "the move failed without a report: " + Steps.reason(failure)
            : "the move could not start: " + Steps.reason(failure);
      } else {
        app.result = r;
      }
      return null;
    });
  }

  /** A child that cannot start (a move of that app already runs) ends as FAILED; the others go on. */
  private void awaitStarted(FleetApp app) {
    try {
      Workflow.getWorkflowExecution(app.child).get();
      app.started = true;
    } catch (TemporalFailure e) {
      log.warn("the move of {} did not start: {}", app.app(), Steps.reason(e));
    }
  }

  private boolean allEnded() {
    return apps.values().stream().allMatch(FleetApp::ended);
  }

  private long pastGate() {
    return apps.values().stream().filter(FleetApp::pastGate).count();
  }

  /** The next app to pass its gate, if a slot is free and its confirm has been given; else null. */
  private FleetApp nextToRelease() {
    if (aborted != null || pastGate() >= request.maxConcurrent()) {
      return null;
    }
    if (request.confirm() == FleetConfirm.BATCH) {
      return confirmed == null ? null
          : apps.values().stream().filter(FleetApp::atGate).findFirst().orElse(null);
    }
    return queue.stream().map(apps::get).filter(FleetApp::atGate).findFirst().orElse(null);
  }

  /** Passes the fleet's confirm on to one child; a child that ended meanwhile frees its slot by ending. */
  private void release(FleetApp app) {
    app.released = true;
    Decision decision = request.confirm() == FleetConfirm.BATCH ? confirmed : app.confirmed;
    log.info("releasing {} past its gate ({} of at most {} past their gates)", app.app(), pastGate(),
        request.maxConcurrent());
    try {
      app.child.confirm(new Confirmation(decision.by() + " (fleet " + request.name() + ")"));
    } catch (TemporalFailure e) {
      log.warn("could not confirm the move of {}: {}", app.app(), Steps.reason(e));
    }
  }

  /**
   * Every child still moving is asked to abort. A child whose switch has begun refuses (it answers
   * for itself: it knows when its switch began, the parent only hears of it later) and completes.
   */
  private void abortChildren() {
    abortSent = true;
    AbortRequest ask = new AbortRequest(aborted.by() + " (fleet " + request.name() + ")", aborted.reason());
    for (FleetApp app : apps.values()) {
      if (!app.started || app.ended()) {
        continue;
      }
      app.abortSent = true;
      try {
        app.child.abort(ask);
      } catch (TemporalFailure e) {
        log.warn("could not ask the move of {} to abort: {}", app.app(), Steps.reason(e));
      }
    }
  }

  // ---- the gate's handlers ------------------------------------------------------------------------

  @Override
  public void confirm(FleetConfirmation confirmation) {
    String rejected = whyNotConfirm(confirmation);
    if (rejected != null) {
      log.warn("confirm by {} ignored: {}", confirmation.by(), rejected);
      return;
    }
    record(confirmation);
  }

  @Override
  public Decision confirmFleet(FleetConfirmation confirmation) {
    return ConfirmGate.answer(whyNotConfirm(confirmation), () -> record(confirmation));
  }

  @Override
  public void validateConfirmFleet(FleetConfirmation confirmation) {
    ConfirmGate.refuse(whyNotConfirm(confirmation));
  }

  @Override
  public void abort(AbortRequest abort) {
    String rejected = whyNotAbort();
    if (rejected != null) {
      log.warn("abort by {} ignored: {}", abort.by(), rejected);
      return;
    }
    aborted = new Decision(abort.by(), Workflow.currentTimeMillis(), abort.reason());
  }

  @Override
  public Decision abortFleet(AbortRequest abort) {
    return ConfirmGate.answer(whyNotAbort(),
        () -> aborted = new Decision(abort.by(), Workflow.currentTimeMillis(), abort.reason()));
  }

  @Override
  public void validateAbortFleet(AbortRequest abort) {
    ConfirmGate.refuse(whyNotAbort());
  }

  @Override
  public void childProgress(ChildProgress progress) {
    FleetApp app = apps.get(progress.app());
    if (app != null) {
      app.progress(progress);
    }
  }

  private Decision record(FleetConfirmation confirmation) {
    Decision decision = new Decision(confirmation.by(), Workflow.currentTimeMillis(), null);
    if (request.confirm() == FleetConfirm.BATCH) {
      confirmed = decision;
    } else {
      apps.get(confirmation.app()).confirmed = decision;
      queue.add(confirmation.app());
    }
    return decision;
  }

  /** Why a confirm would not count now, or null when it would. */
  private String whyNotConfirm(FleetConfirmation confirmation) {
    if (request == null) {
      return "the fleet has not started yet";
    }
    if (aborted != null) {
      return "the fleet was already aborted by " + aborted.by();
    }
    if (request.confirm() == FleetConfirm.BATCH) {
      if (confirmation.app() != null) {
        return "this fleet confirms all its apps at once (confirm: batch): confirm it without naming an app";
      }
      if (confirmed != null) {
        return "the fleet was already confirmed by " + confirmed.by();
      }
      String notYet = apps.values().stream().filter(a -> !a.ended() && !a.atGate())
          .map(a -> a.app() + " (" + (a.phase == null ? "starting" : a.phase) + ")").collect(Collectors.joining(", "));
      if (!notYet.isEmpty()) {
        return "not every app is waiting at its confirm gate yet: " + notYet;
      }
      return apps.values().stream().anyMatch(FleetApp::atGate) ? null : "no app is waiting at its confirm gate";
    }
    FleetApp app = confirmation.app() == null ? null : apps.get(confirmation.app());
    if (app == null) {
      return confirmation.app() == null ? "this fleet confirms each app on its own (confirm: each): name the app"
          : "the fleet has no app " + confirmation.app();
    }
    if (app.confirmed != null) {
      return "the move of " + app.app() + " was already confirmed by " + app.confirmed.by();
    }
    return app.atGate() ? null : "the move of " + app.app() + " is not waiting at its confirm gate"
        + (app.ended() ? " (it has ended)" : app.phase == null ? "" : " (it is in " + app.phase + ")");
  }

  private String whyNotAbort() {
    if (aborted != null) {
      return "the fleet was already aborted by " + aborted.by();
    }
    if (request != null && allEnded()) {
      return "every move of the fleet has ended: use `cutover rollback APP` for an app that switched";
    }
    return null;
  }

  // ---- status -----------------------------------------------------------------------------------

  @Override
  public FleetStatus status() {
    List<FleetStatus.App> lines = new ArrayList<>();
    for (FleetApp app : apps.values()) {
      lines.add(app.line(request.confirm() == FleetConfirm.BATCH ? confirmed != null : app.confirmed != null));
    }
    return new FleetStatus(request == null ? null : request.name(), request == null ? 0 : request.maxConcurrent(),
        request == null ? null : request.confirm(), confirmed, aborted, lines, totals());
  }

  private FleetStatus.Totals totals() {
    int completed = count(Outcome.COMPLETED);
    long lost = apps.values().stream().map(FleetApp::lost).filter(l -> l != null).mapToLong(Long::longValue).sum();
    return new FleetStatus.Totals(apps.size(), (int) apps.values().stream().filter(FleetApp::ended).count(),
        completed, count(Outcome.ROLLED_BACK), count(Outcome.ABORTED), count(Outcome.FAILED), count(Outcome.BLOCKED),
        (int) pastGate(), lost);
  }

  private int count(Outcome outcome) {
    return (int) apps.values().stream().filter(a -> a.outcome() == outcome).count();
  }

  private static String summary(List<FleetResult.AppOutcome> outcomes) {
    Map<Outcome, Long> byOutcome = new LinkedHashMap<>();
    for (FleetResult.AppOutcome o : outcomes) {
      byOutcome.merge(o.outcome(), 1L, Long::sum);
    }
    return outcomes.size() + " apps: " + byOutcome.entrySet().stream()
        .map(e -> e.getValue() + " " + e.getKey().name().toLowerCase().replace('_', ' '))
        .collect(Collectors.joining(", "));
  }
}
