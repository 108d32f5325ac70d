package dev.cutover.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.when;

import dev.cutover.database.CopyActivities.CopyResult;
import dev.cutover.plan.Freeze;
import dev.cutover.plan.FrontDoor;
import dev.cutover.plan.Plan;
import io.temporal.activity.Activity;
import io.temporal.client.WorkflowOptions;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The blackout budget: a freeze that runs past {@code freeze.maxBlackout} rolls back instead of holding on. */
class FreezeBudgetTest extends MockedMove {

  @Test
  void aCopyThatOverrunsTheBudgetIsCancelledAndTheSourceServesAgain() {
    AtomicInteger calls = new AtomicInteger();
    when(copies.copy(any())).thenAnswer(i -> {
      if (calls.incrementAndGet() == 1) {
        return record("copy", new CopyResult(100, 3, 10, 20)); // the rehearsal, before the gate
      }
      journal.add("copy (slow)");
      long until = System.currentTimeMillis() + 20_000;
      while (System.currentTimeMillis() < until) {
        Activity.getExecutionContext().heartbeat(null); // throws once the workflow cancels the copy
        Thread.sleep(50);
      }
      return new CopyResult(100, 3, 10, 20);
    });
    CutoverWorkflow workflow = start(withBudget(plan(), Duration.ofSeconds(2)));
    awaitGate(workflow);
    assertEquals(2_000L, workflow.status().freezeBudgetMillis(), "the status says the budget before the freeze");
    journal.clear();
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));

    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.ROLLED_BACK, result.outcome(), result.summary());
    assertTrue(result.summary().startsWith("the freeze ran past its budget (freeze.maxBlackout 2s)"), result.summary());
    assertTrue(result.summary().contains("during 'dump and restore'"), result.summary());
    assertEquals(List.of("front door: hold", "home: stop app", "home: stop writer nightly", "home: stop job scoring",
        "fence home", "copy (slow)", "unfence home", "home: start job scoring", "home: start writer nightly",
        "home: start app", "front door -> SOURCE", "drop target"), canonical(journal));
  }

  @Test
  void aFreezeWithinItsBudgetCompletes() {
    CutoverWorkflow workflow = start(withBudget(plan(), Duration.ofMinutes(5)));
    awaitGate(workflow);
    assertEquals(300_000L, workflow.status().freezeBudgetMillis());
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));

    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
  }

  @Test
  void aFreezeEstimatedToOverrunItsBudgetIsNeverBegun() {
    when(copies.copy(any())).thenAnswer(i -> record("copy", new CopyResult(100, 3, 10, 5_000)));
    CutoverWorkflow workflow = start(withBudget(plan(), Duration.ofSeconds(2)));

    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.BLOCKED, result.outcome(), result.summary());
    assertTrue(result.summary().startsWith("the estimated blackout (5"), result.summary());
    assertTrue(result.summary().contains(" ms) exceeds its budget (freeze.maxBlackout 2s): nothing was frozen"),
        result.summary());
    assertFalse(journal.contains("fence home"), journal.toString());
    assertFalse(journal.contains("front door: hold"), journal.toString());
    assertTrue(journal.contains("drop target"), "what the prepare did is undone: " + journal);
  }

  @Test
  void aRehearsalSaysItsEstimateWouldOverrunTheBudget() {
    when(copies.copy(any())).thenAnswer(i -> record("copy", new CopyResult(100, 3, 10, 5_000)));
    Plan plan = withBudget(plan(), Duration.ofSeconds(2));
    CutoverWorkflow workflow = client.newWorkflowStub(CutoverWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(plan.workflowId()).setTaskQueue(TaskQueues.MAIN).build());

    CutoverResult result = workflow.run(CutoverRequest.move(plan, true, "test"));

    assertEquals(Outcome.REHEARSED, result.outcome(), result.summary());
    assertTrue(result.summary().endsWith("exceeds its budget (freeze.maxBlackout 2s): a move would not freeze"),
        result.summary());
  }

  @Test
  void theEstimateCountsTheFreezesOtherStepsAtWhatAStepCostInThisRun() {
    // The rehearsal's copy (20 ms) and fingerprints (1 ms); three single steps at the median prepare command
    // (the fence, the switch's journal, the unfence; not the flip: arm's job and writer commit as they
    // start, before it); each box's services, changed at once, at the slowest one (no checks in this plan).
    // The hold is not counted: it comes before the source's last commit.
    assertEstimate(plan(), 3);
  }

  @Test
  void aTargetWithOnlyAnAppTakesItsFirstWriteAfterTheFlip() {
    // A command door sends nobody to arm before the flip, and nothing else on arm writes: the flip counts.
    Plan base = plan();
    dev.cutover.plan.Box arm = base.target();
    Plan appOnly = new Plan(base.app(), base.source(),
        new dev.cutover.plan.Box(arm.name(), arm.database(), null, arm.app(), List.of(), List.of(),
            null, null, null, null, null, null),
        null, null, null, base.frontDoor(), base.health(), null);
    assertEstimate(appOnly, 4);
  }

  @Test
  void bothDumpRestoreCopiesGetAnEmptyTargetMadeAhead() {
    // The rehearsal's copy takes one as the freeze's will, so it times the same work; the freeze's is made
    // after the rehearsal's fingerprints, which read the rehearsal's copy.
    CutoverWorkflow workflow = start(plan());
    awaitGate(workflow);
    List<String> presync = workflow.status().steps().stream().filter(s -> s.phase() == Phase.PRESYNC)
        .map(s -> s.name() + ": " + s.detail()).toList();

    assertEquals(List.of(
        "make the target an empty database for the rehearsal's copy: game made empty in 5 ms",
        "rehearsal copy (timed): 3 tables, 100 bytes in 20 ms",
        "make the target an empty database for the freeze's copy (the rehearsal's is dropped): game made empty in 5 ms"),
        presync.stream().filter(s -> !s.startsWith("rehearsal fingerprints")).toList(), presync.toString());
    assertTrue(presync.get(2).startsWith("rehearsal fingerprints"), presync.toString());
    workflow.abort(new CutoverWorkflow.AbortRequest("test", "done looking"));
    assertEquals(Outcome.ABORTED, stubOf(workflow).getResult(CutoverResult.class).outcome());
  }

  @Test
  void eachBoxWhoseServicesHaveAChecksCountsItsPolling() {
    // The app's check on both boxes: one activity runs each command and its check, so no extra step, but
    // the source's checks poll (30 ms) inside the blackout; arm's come after its job's first commit.
    Plan checked = planWithAppChecks();
    assertEstimate(checked, 3, 30);
  }

  @Test
  void behindCaddysHoldTheEstimateEndsWhenTheTargetStarts() {
    Plan command = plan();
    Plan plan = new Plan(command.app(), command.source(), command.target(), command.settle(), command.copy(),
        command.verify(), new FrontDoor.Caddy(URI.create("http://127.0.0.1:9"), "127.0.0.1:8081", "game", null, null, null),
        command.health(), command.confirm(), command.databaseDoor(), command.freeze());
    // Held requests flow to arm the moment its app accepts, so the flip after it is not blackout time:
    // the fence, the journal and the unfence remain.
    assertEstimate(plan, 3);
  }

  /**
   * Runs the plan to its gate and checks the estimate there: the rehearsal's 20 ms copy and 1 ms
   * fingerprints, {@code singles} steps at the median prepare command and each box's services at the slowest.
   */
  private void assertEstimate(Plan plan, int singles) {
    assertEstimate(plan, singles, 0);
  }

  private void assertEstimate(Plan plan, int singles, long polled) {
    CutoverWorkflow workflow = start(plan);
    awaitGate(workflow);
    CutoverStatus status = workflow.status();
    List<Long> prepare = status.steps().stream()
        .filter(s -> s.phase() == Phase.PREPARE && s.name().startsWith("stop ") && s.durationMillis() != null)
        .map(StepStatus::durationMillis).sorted().toList();
    long median = prepare.get(prepare.size() / 2);
    long slowest = prepare.get(prepare.size() - 1);
    assertEquals(20 + 1 + singles * median + 2 * slowest + polled, status.estimatedBlackoutMillis(),
        status.steps().toString());
    workflow.abort(new CutoverWorkflow.AbortRequest("test", "done looking"));
    assertEquals(Outcome.ABORTED, stubOf(workflow).getResult(CutoverResult.class).outcome());
  }

  private static Plan withBudget(Plan p, Duration budget) {
    return new Plan(p.app(), p.source(), p.target(), p.settle(), p.copy(), p.verify(), p.frontDoor(), p.health(),
        p.confirm(), p.databaseDoor(), new Freeze(budget));
  }
}
