package dev.cutover.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.when;

import dev.cutover.database.DatabaseActivities.FenceRequest;
import dev.cutover.database.DatabaseActivities.FenceResult;
import dev.cutover.plan.Box;
import dev.cutover.plan.Database;
import dev.cutover.plan.FleetConfirm;
import dev.cutover.plan.Plan;
import dev.cutover.verify.FingerprintActivities.FingerprintRequest;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** A fleet of mocked moves: outcomes per app, and the overlap of freezes read from the children's histories. */
class FleetWorkflowTest extends MockedMove {

  private final Set<String> fenced = ConcurrentHashMap.newKeySet();

  @Test
  void tenAppsAtMostThreeFreezingAndOneRollsBackAlone() {
    org.mockito.Mockito.doAnswer(i -> {
      FenceRequest r = i.getArgument(0);
      fenced.add(r.app() + " " + r.box());
      return new FenceResult(false, 0, "0/1", "unset");
    }).when(database).fence(any());
    when(fingerprints.fingerprint(any())).thenAnswer(i -> {
      FingerprintRequest r = i.getArgument(0);
      boolean tampered = r.box().equals("arm") && r.database().url().endsWith("/app4") && fenced.contains("app4 home");
      return fingerprint(tampered ? "tampered" : "same");
    });
    List<Plan> plans = IntStream.range(0, 10).mapToObj(n -> planFor("app" + n)).toList();
    FleetWorkflow fleet = startAtTheGates(plans, 3);
    fleet.confirmFleet(new FleetWorkflow.FleetConfirmation("ops", null));

    FleetResult result = WorkflowStub.fromTyped(fleet).getResult(FleetResult.class);

    assertEquals(10, result.apps().size());
    for (FleetResult.AppOutcome app : result.apps()) {
      assertEquals(app.app().equals("app4") ? Outcome.ROLLED_BACK : Outcome.COMPLETED, app.outcome(), app.summary());
    }
    assertEquals(9, result.status().totals().completed());
    assertEquals(1, result.status().totals().rolledBack());
    assertEquals(3, maxOverlappingFreezes(plans), "at most 3 freezes at once, and the fleet used all 3 slots");
  }

  @Test
  void anAbortBeforeTheConfirmCompensatesEveryApp() {
    List<Plan> plans = IntStream.range(0, 4).mapToObj(n -> planFor("app" + n)).toList();
    FleetWorkflow fleet = startAtTheGates(plans, 2);
    fleet.abortFleet(new CutoverWorkflow.AbortRequest("ops", "not today"));

    FleetResult result = WorkflowStub.fromTyped(fleet).getResult(FleetResult.class);

    result.apps().forEach(app -> assertEquals(Outcome.ABORTED, app.outcome(), app.summary()));
    assertEquals(4, journal.stream().filter("drop target"::equals).count(), "every app's target dropped");
    assertTrue(journal.stream().noneMatch(e -> e.startsWith("front door")), "nothing froze: " + journal);
  }

  @Test
  void anAbortAfterSomeSwitchedCompensatesOnlyTheUnswitched() throws Exception {
    java.util.concurrent.CountDownLatch live = new java.util.concurrent.CountDownLatch(1);
    when(health.verifyLive(any())).thenAnswer(i -> {
      live.await(20, java.util.concurrent.TimeUnit.SECONDS);
      return new dev.cutover.live.HealthActivities.LiveResult(3, 3, 0, null, 5);
    });
    List<Plan> plans = IntStream.range(0, 4).mapToObj(n -> planFor("app" + n)).toList();
    FleetWorkflow fleet = startAtTheGates(plans, 2);
    fleet.confirmFleet(new FleetWorkflow.FleetConfirmation("ops", null));
    long deadline = System.currentTimeMillis() + 30_000;
    while (fleet.status().apps().stream().filter(a -> a.phase() == Phase.VERIFY_LIVE).count() < 2) {
      assertTrue(System.currentTimeMillis() < deadline, "never switched two: " + fleet.status());
      env.sleep(Duration.ofMillis(50));
    }
    fleet.abortFleet(new CutoverWorkflow.AbortRequest("ops", "stop the rest"));
    live.countDown();

    FleetResult result = WorkflowStub.fromTyped(fleet).getResult(FleetResult.class);

    List<Outcome> outcomes = result.apps().stream().map(FleetResult.AppOutcome::outcome).toList();
    assertEquals(List.of(Outcome.COMPLETED, Outcome.COMPLETED, Outcome.ABORTED, Outcome.ABORTED), outcomes,
        result.summary());
    assertEquals(2, journal.stream().filter("drop target"::equals).count(), "only the unswitched targets dropped");
  }

  @Test
  void aConfirmSentToOneChildDirectlyIsRefusedSoMaxConcurrentHolds() {
    List<Plan> plans = IntStream.range(0, 2).mapToObj(n -> planFor("app" + n)).toList();
    FleetWorkflow fleet = startAtTheGates(plans, 1);
    CutoverWorkflow child = client.newWorkflowStub(CutoverWorkflow.class, plans.get(0).workflowId());

    io.temporal.client.WorkflowUpdateException refused = org.junit.jupiter.api.Assertions.assertThrows(
        io.temporal.client.WorkflowUpdateException.class,
        () -> child.confirmMove(new CutoverWorkflow.Confirmation("ops")));

    assertTrue(dev.cutover.temporal.Failures.reason(refused).contains(
        "this move belongs to the fleet workflow cutover-fleet-shop"), dev.cutover.temporal.Failures.reason(refused));
    assertEquals(Phase.CONFIRM, child.status().phase(), "still at its gate");
    fleet.abortFleet(new CutoverWorkflow.AbortRequest("ops", "done"));
    FleetResult result = WorkflowStub.fromTyped(fleet).getResult(FleetResult.class);
    result.apps().forEach(app -> assertEquals(Outcome.ABORTED, app.outcome(), app.summary()));
  }

  @Test
  void eachModeReleasesAppsInTheOrderConfirmedAndLeavesTheUnconfirmedAtItsGate() {
    List<Plan> plans = IntStream.range(0, 3).mapToObj(n -> planFor("app" + n)).toList();
    FleetWorkflow fleet = startAtTheGates(plans, 1, FleetConfirm.EACH);
    assertThrows(io.temporal.client.WorkflowUpdateException.class,
        () -> fleet.confirmFleet(new FleetWorkflow.FleetConfirmation("ops", null)), "each mode names an app");
    fleet.confirmFleet(new FleetWorkflow.FleetConfirmation("ops", "app2"));
    fleet.confirmFleet(new FleetWorkflow.FleetConfirmation("ops", "app0"));
    long deadline = System.currentTimeMillis() + 30_000;
    while (fleet.status().totals().completed() < 2) {
      assertTrue(System.currentTimeMillis() < deadline, "the two confirmed never completed: " + fleet.status());
      env.sleep(Duration.ofMillis(50));
    }
    assertEquals(FleetStatus.Gate.AT_GATE, fleet.status().apps().get(1).gate(), "app1 was never confirmed");
    fleet.abortFleet(new CutoverWorkflow.AbortRequest("ops", "app1 another day"));

    FleetResult result = WorkflowStub.fromTyped(fleet).getResult(FleetResult.class);

    assertEquals(List.of(Outcome.COMPLETED, Outcome.ABORTED, Outcome.COMPLETED),
        result.apps().stream().map(FleetResult.AppOutcome::outcome).toList(), result.summary());
    assertTrue(freezeStart(plans.get(2)) < freezeStart(plans.get(0)), "released in the order confirmed");
    assertEquals(1, maxOverlappingFreezes(List.of(plans.get(0), plans.get(2))), "one at a time");
  }

  /** From each child's history: its freeze from the first Hold/Fence scheduled to the move's end. */
  private int maxOverlappingFreezes(List<Plan> plans) {
    List<long[]> edges = new ArrayList<>();
    for (Plan plan : plans) {
      List<HistoryEvent> events = client.fetchHistory(plan.workflowId()).getEvents();
      long start = freezeStart(plan);
      long end = nanos(events.get(events.size() - 1));
      edges.add(new long[] {start, 1});
      edges.add(new long[] {end, -1});
    }
    edges.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1])); // ends first on ties
    int now = 0;
    int max = 0;
    for (long[] edge : edges) {
      now += (int) edge[1];
      max = Math.max(max, now);
    }
    return max;
  }

  private long freezeStart(Plan plan) {
    return client.fetchHistory(plan.workflowId()).getEvents().stream()
        .filter(e -> e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
        .filter(e -> Set.of("Hold", "Fence").contains(e.getActivityTaskScheduledEventAttributes().getActivityType().getName()))
        .mapToLong(FleetWorkflowTest::nanos).findFirst().orElseThrow();
  }

  private static long nanos(HistoryEvent e) {
    return e.getEventTime().getSeconds() * 1_000_000_000L + e.getEventTime().getNanos();
  }

  static Plan planFor(String app) {
    Plan p = plan();
    return new Plan(app, on(p.source(), app), on(p.target(), app), p.settle(), p.copy(), p.verify(), p.frontDoor(),
        p.health(), p.confirm(), p.databaseDoor(), p.freeze());
  }

  private static Box on(Box b, String db) {
    Database d = b.database();
    return new Box(b.name(), new Database(d.url().replaceAll("/[^/]+$", "/" + db), d.user(), d.passwordEnv(),
        d.passwordFile()), b.host(), b.app(), b.writers(), b.jobs(), b.config(), b.artifact(), b.disk(), b.migrations(),
        b.nextJob(), b.overwrite());
  }

  /** A fleet of {@code plans} (batch-confirmed unless told), started and waited for until every app waits at its gate. */
  private FleetWorkflow startAtTheGates(List<Plan> plans, int maxConcurrent) {
    return startAtTheGates(plans, maxConcurrent, FleetConfirm.BATCH);
  }

  private FleetWorkflow startAtTheGates(List<Plan> plans, int maxConcurrent, FleetConfirm confirm) {
    FleetWorkflow fleet = client.newWorkflowStub(FleetWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(FleetWorkflow.workflowIdFor("shop")).setTaskQueue(TaskQueues.MAIN).build());
    WorkflowClient.start(fleet::run, new FleetRequest("shop", plans, maxConcurrent, confirm, "test"));
    long deadline = System.currentTimeMillis() + 30_000;
    while (fleet.status().apps().stream().filter(a -> a.gate() == FleetStatus.Gate.AT_GATE).count() < plans.size()) {
      assertTrue(System.currentTimeMillis() < deadline, "never all at their gates: " + fleet.status());
      env.sleep(Duration.ofMillis(50));
    }
    return fleet;
  }
}
