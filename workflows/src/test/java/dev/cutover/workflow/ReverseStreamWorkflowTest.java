package dev.cutover.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.when;

import dev.cutover.database.CopyActivities;
import dev.cutover.database.DatabaseActivities;
import dev.cutover.database.DatabaseActivities.DatabaseInfo;
import dev.cutover.database.Markers;
import dev.cutover.verify.FingerprintActivities;
import dev.cutover.database.CopyActivities.ReverseClosed;
import dev.cutover.database.CopyActivities.ReverseStarted;
import dev.cutover.database.CopyActivities.ReverseState;
import dev.cutover.frontdoor.FrontDoorActivities.FrontDoorRequest;
import dev.cutover.frontdoor.FrontDoorActivities.FrontDoorResult;
import dev.cutover.plan.Copy;
import dev.cutover.plan.FrontDoor;
import dev.cutover.plan.Plan;
import dev.cutover.workflow.FallbackWorkflow.Closing;
import dev.cutover.workflow.FallbackWorkflow.FallbackStatus;
import dev.cutover.workflow.FallbackWorkflow.State;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowClient;
import io.temporal.failure.ApplicationFailure;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 in the workflow, every activity mocked: the switch starts the reverse stream before the target's first
 * write, the move leaves a watcher that reports stray writes and ends the stream (closed, or at the window's end),
 * and a rollback takes the stream over so its freeze catches up instead of copying, or copies when it cannot.
 */
class ReverseStreamWorkflowTest extends MockedMove {

  private final AtomicInteger strays = new AtomicInteger();

  private Plan keepingPlan(Duration window) {
    Plan logical = logicalPlan();
    return new Plan(logical.app(), logical.source(), logical.target(), null,
        new Copy(Copy.Strategy.LOGICAL, 1, null, null, window), null, logical.frontDoor(), logical.health(), null);
  }

  private void streaming() {
    replicating();
    when(fingerprints.verifyChanges(any())).thenAnswer(i -> record("re-check", new FingerprintActivities.ChangesVerified(
        List.of(new FingerprintActivities.TableRecheck("public.t", false, null, 1, 0, 1, 1, "h", "h", true)), 1, 10, 5)));
    when(copies.startReverse(any())).thenAnswer(i -> record("start reverse",
        new ReverseStarted("cutover_game", false, "0/3", List.of(), 4)));
    // The second look finds one commit on the fallback that the stream did not make.
    when(copies.watchReverse(any())).thenAnswer(i -> record("watch reverse", new ReverseState(true, null, 0L, 5L,
        "2026-12-02T21:00:00Z", 0, strays.incrementAndGet() == 2 ? 1 : 0,
        strays.get() == 2 ? List.of("xid 812: INSERT public.t") : List.of())));
    when(copies.closeReverse(any())).thenAnswer(i -> record("close reverse",
        new ReverseClosed(true, List.of("subscription", "slot"), 3)));
  }

  /** A healthy reverse stream that the rollback takes over. */
  private void adoptingTheStream() {
    streaming();
    when(copies.adoptReverse(any())).thenAnswer(i -> record("adopt reverse",
        new CopyActivities.LogicalStarted("cutover_game", true, 3, List.of(), 6, "run-1", null)));
  }

  private FallbackWorkflow watcher() {
    return client.newWorkflowStub(FallbackWorkflow.class, FallbackWorkflow.workflowIdFor("game"));
  }

  private FallbackStatus awaitLooks(int looks) {
    long deadline = System.currentTimeMillis() + 20_000;
    while (journal.stream().filter("watch reverse"::equals).count() < looks) {
      assertTrue(System.currentTimeMillis() < deadline, "the watcher never looked " + looks + " times: " + journal);
      env.sleep(Duration.ofSeconds(1));
    }
    return watcher().status();
  }

  @Test
  void theSwitchStartsTheStreamBeforeTheTargetsFirstWriteAndTheWatcherReportsAStrayWriteUntilClosed() {
    streaming();
    CutoverWorkflow workflow = start(keepingPlan(Duration.ofHours(24)));
    awaitGate(workflow);
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));
    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    assertTrue(result.summary().contains("home is kept current until "), result.summary());
    List<String> order = canonical(journal);
    assertTrue(order.indexOf("catch up") < order.indexOf("start reverse"), order.toString());
    assertTrue(order.indexOf("start reverse") < order.indexOf("go live arm"), "before the target takes writes: " + order);
    StepStatus kept = result.status().steps().stream().filter(s -> s.name().startsWith("keep home current"))
        .findFirst().orElseThrow();
    assertTrue(kept.detail().contains("`cutover close game` ends it"), kept.detail());

    FallbackStatus seen = awaitLooks(2);
    assertEquals(State.STREAMING, seen.state());
    assertEquals(1, seen.strayWrites(), "the second look's stray commit is kept: " + seen);
    assertEquals(List.of("xid 812: INSERT public.t"), seen.straySample());

    FallbackStatus closed = watcher().close(new Closing("ops"));
    assertEquals(State.CLOSED, closed.state());
    assertEquals("closed by ops", closed.ended());
    assertEquals(1, journal.stream().filter("close reverse"::equals).count(), journal.toString());
    assertEquals(1, closed.strayWrites(), "the alarm outlives the stream");
  }

  @Test
  void theWindowsEndClosesTheStreamByItself() {
    streaming();
    CutoverWorkflow workflow = start(keepingPlan(Duration.ofMinutes(2)));
    awaitGate(workflow);
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));
    assertEquals(Outcome.COMPLETED, stubOf(workflow).getResult(CutoverResult.class).outcome());

    FallbackStatus ended = client.newUntypedWorkflowStub(FallbackWorkflow.workflowIdFor("game"))
        .getResult(FallbackStatus.class);

    assertEquals(State.CLOSED, ended.state());
    assertEquals("the rollback window ended", ended.ended());
    assertTrue(journal.contains("close reverse"), journal.toString());
    long looks = journal.stream().filter("watch reverse"::equals).count();
    assertTrue(looks >= 20 && looks <= 25, "every 5 s for 2 minutes: " + looks);
  }

  @Test
  void aMoveWithoutAWindowKeepsNoStream() {
    streaming();
    CutoverWorkflow workflow = start(logicalPlan());
    awaitGate(workflow);
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));
    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.COMPLETED, result.outcome());
    assertFalse(journal.contains("start reverse"), journal.toString());
    assertFalse(result.summary().contains("kept current"), result.summary());
  }

  @Test
  void aRollbackThatTakesTheStreamOverCatchesUpInsteadOfCopying() {
    adoptingTheStream();

    CutoverResult result = rollBack(keepingPlan(Duration.ofHours(24)));

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    List<String> order = canonical(journal);
    assertTrue(order.contains("adopt reverse") && order.contains("catch up"), order.toString());
    assertFalse(order.contains("copy"), "nothing is copied: " + order);
    assertFalse(order.contains("start reverse"), "a rollback keeps no stream of its own: " + order);
    assertTrue(order.indexOf("fence arm") < order.indexOf("catch up"), "the live box is fenced first: " + order);
    StepStatus adopted = result.status().steps().stream().filter(s -> s.name().startsWith("adopt the reverse stream"))
        .findFirst().orElseThrow();
    assertTrue(adopted.detail().contains("nothing to copy"), adopted.detail());
  }

  @Test
  void aRollbackBehindCaddyHoldsTowardTheSourceBeforeTheLiveAppStopsAndOnlyThen() {
    adoptingTheStream();
    when(frontDoor.hold(any())).thenAnswer(i -> {
      FrontDoorRequest r = i.getArgument(0);
      return record("front door: hold " + r.side(), new FrontDoorResult("caddy", r.side(), "held"));
    });
    Plan keeping = keepingPlan(Duration.ofHours(24));
    Plan behindCaddy = new Plan(keeping.app(), keeping.source(), keeping.target(), null, keeping.copy(), null,
        new FrontDoor.Caddy(URI.create("http://127.0.0.1:9"), "127.0.0.1:8081", "game", null, null, null),
        keeping.health(), null);

    CutoverResult result = rollBack(behindCaddy);

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    List<String> order = canonical(journal);
    // Sides as the plan is written: the rollback holds toward home, the written source, and points back at it.
    int held = order.indexOf("front door: hold SOURCE");
    assertTrue(held >= 0, "held toward the written plan's source: " + order);
    assertTrue(held < order.indexOf("fence arm"), "before the live box is frozen: " + order);
    assertTrue(order.indexOf("front door -> SOURCE") > order.indexOf("fence arm"), "pointed back in the switch: " + order);
    StepStatus hold = step(result.status().steps(), "hold requests at the front door");
    assertEquals("held", hold.detail());
  }

  @Test
  void aRollbackBehindACommandDoorDoesNotHold() {
    adoptingTheStream();

    CutoverResult result = rollBack(keepingPlan(Duration.ofHours(24)));

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    assertFalse(journal.stream().anyMatch(e -> e.startsWith("front door: hold")), journal.toString());
    StepStatus hold = step(result.status().steps(), "hold requests at the front door");
    assertEquals("only a caddy front door holds on the way back", hold.detail());
  }

  @Test
  void aRollbackThatCannotTakeTheStreamOverCopiesInItsFreezeAndSaysWhy() {
    streaming();
    when(copies.adoptReverse(any())).thenAnswer(i -> {
      journal.add("adopt reverse !");
      throw ApplicationFailure.newNonRetryableFailure("the reverse stream is broken: its slot is gone from arm",
          CutoverFailure.COPY_FAILED.name());
    });

    CutoverResult result = rollBack(keepingPlan(Duration.ofHours(24)));

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    List<String> order = canonical(journal);
    assertTrue(order.contains("copy") && !order.contains("catch up"), "copied in the freeze: " + order);
    StepStatus adopted = result.status().steps().stream().filter(s -> s.name().startsWith("adopt the reverse stream"))
        .findFirst().orElseThrow();
    assertTrue(adopted.detail().contains("its slot is gone from arm")
        && adopted.detail().contains("the freeze copies everything"), adopted.detail());
  }

  @Test
  void aLongWindowContinuesAsNewAndKeepsItsAlarmAcrossRuns() {
    AtomicInteger looks = new AtomicInteger();
    when(copies.watchReverse(any())).thenAnswer(i -> {
      boolean stray = looks.incrementAndGet() == FallbackWorkflowImpl.LOOKS_PER_RUN - 10;
      return new ReverseState(true, null, 0L, null, null, 0, stray ? 1 : 0, stray ? List.of("xid 9: DELETE public.t") : List.of());
    });
    when(copies.closeReverse(any())).thenAnswer(i -> record("close reverse", new ReverseClosed(true, List.of("slot"), 1)));
    // A window of 1.5 runs' worth of looks: the watcher must continue as new once and still close at its end.
    long window = FallbackWatch.EVERY_MILLIS * FallbackWorkflowImpl.LOOKS_PER_RUN * 3 / 2;
    FallbackWorkflow watcher = client.newWorkflowStub(FallbackWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(FallbackWorkflow.workflowIdFor("game")).setTaskQueue(TaskQueues.MAIN).build());
    var request = new FallbackWorkflow.FallbackRequest(new CopyActivities.ReverseRequest("game", "run-1", "arm", null,
        "home", null, null), env.currentTimeMillis() + window, FallbackWatch.EVERY_MILLIS, null);
    String firstRun = WorkflowClient.start(watcher::run, request).getRunId();

    FallbackStatus ended = client.newUntypedWorkflowStub(FallbackWorkflow.workflowIdFor("game"))
        .getResult(FallbackStatus.class);

    assertEquals(State.CLOSED, ended.state());
    assertEquals(1, ended.strayWrites(), "the first run's alarm came through: " + ended);
    assertEquals(List.of("xid 9: DELETE public.t"), ended.straySample());
    assertTrue(looks.get() > FallbackWorkflowImpl.LOOKS_PER_RUN, "looked on after the first run: " + looks.get());
    String lastRun = client.newUntypedWorkflowStub(FallbackWorkflow.workflowIdFor("game")).getExecution().getRunId();
    assertFalse(firstRun.equals(lastRun), "continued as new");
    assertEquals(1, journal.stream().filter("close reverse"::equals).count());
  }

  /** The state a completed move leaves: home, the fallback, fenced by it; arm live, marked by its move. */
  private CutoverResult rollBack(Plan plan) {
    org.mockito.Mockito.doAnswer(i -> {
      var r = (DatabaseActivities.InspectRequest) i.getArgument(0);
      return r.box().equals("home")
          ? new DatabaseInfo("home", true, true, null, 150018, "PostgreSQL 15.18", 1L, 3, null, true, "game", null)
          : new DatabaseInfo("arm", true, true, null, 150018, "PostgreSQL 15.18", 1L, 3,
              Markers.of("game", "run-1", Markers.LIVE), false, null, null);
    }).when(database).inspect(any());
    Plan back = plan.reversed();
    CutoverWorkflow workflow = client.newWorkflowStub(CutoverWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(back.workflowId()).setTaskQueue(TaskQueues.MAIN).build());
    return WorkflowClient.execute(workflow::run, CutoverRequest.rollback(back, "ops", true, true)).join();
  }
}
