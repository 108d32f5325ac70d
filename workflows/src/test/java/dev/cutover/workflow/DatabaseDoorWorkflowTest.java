package dev.cutover.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.when;

import dev.cutover.database.DatabaseActivities;
import dev.cutover.database.DatabaseActivities.DatabaseInfo;
import dev.cutover.frontdoor.DatabaseDoorActivities.DoorCheck;
import dev.cutover.frontdoor.DatabaseDoorActivities.DoorRequest;
import dev.cutover.frontdoor.DatabaseDoorActivities.DoorResult;
import dev.cutover.frontdoor.DatabaseDoorActivities.DoorState;
import dev.cutover.plan.Database;
import dev.cutover.plan.DatabaseDoor;
import dev.cutover.plan.Plan;
import dev.cutover.preflight.Finding;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The database door's place in the runbook, every activity mocked: held beside the front door at the start
 * of the freeze, led to the target and resumed as soon as the target accepts writes, and on every rollback
 * led back to the source only after the source is unfenced, so its clients wait and never meet a fence.
 */
class DatabaseDoorWorkflowTest extends MockedMove {

  private volatile boolean entryAtHome = true;

  @BeforeEach
  void doorAnswers() {
    when(door.check(any())).thenAnswer(i -> {
      DoorRequest r = i.getArgument(0);
      boolean there = entryAtHome == r.pointAtBox().equals("home");
      return new DoorCheck(state(entryAtHome ? 5432 : 5433, false), there, "transaction", 120, "checked");
    });
    when(door.hold(any())).thenAnswer(i -> record("door: hold", new DoorResult(state(5432, true), 3, "paused")));
    when(door.pointAt(any())).thenAnswer(i -> {
      DoorRequest r = i.getArgument(0);
      return record("door -> " + r.pointAtBox(), new DoorResult(state(0, false), 3, "resumed"));
    });
  }

  @Test
  void theDoorHoldsBesideTheFrontDoorAndResumesOnTheTargetOnceItAcceptsWrites() {
    CutoverResult result = confirmedMove(plan());

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    assertEquals(List.of(
        "front door: hold", "door: hold", "home: stop app", "home: stop writer nightly", "home: stop job scoring",
        "fence home", "copy",
        "go live arm", "door -> arm", "arm: start job scoring", "arm: start app", "front door -> TARGET"), canonical(journal));
    org.mockito.Mockito.verify(door).check(org.mockito.ArgumentMatchers.argThat(r -> r.pointAtBox().equals("home")
        && r.otherBox().equals("arm")));
    assertTrue(result.status().findings().stream().anyMatch(f -> f.check().equals("database door")
        && f.severity() == Finding.Severity.OK), result.status().findings().toString());
  }

  @Test
  void aFailedFenceLeadsTheDoorBackOnlyAfterTheSourceServesAgain() {
    failAt = "fence home";
    CutoverResult result = confirmedMove(plan());

    assertEquals(Outcome.ROLLED_BACK, result.outcome(), result.summary());
    assertEquals(List.of(
        "front door: hold", "door: hold", "home: stop app", "home: stop writer nightly", "home: stop job scoring",
        "fence home !",
        "unfence home", "home: start job scoring", "home: start writer nightly", "home: start app", "door -> home",
        "front door -> SOURCE", "drop target"), canonical(journal));
  }

  @Test
  void aFailureAfterTheSwitchHoldsTheDoorsClientsWhileTheTargetIsFencedAgain() {
    failAt = "front door -> TARGET";
    CutoverResult result = confirmedMove(plan());

    assertEquals(Outcome.ROLLED_BACK, result.outcome(), result.summary());
    List<String> afterFailure = journal.subList(journal.indexOf("front door -> TARGET !") + 1, journal.size());
    assertEquals(List.of(
        "fence arm", // the check for writes taken on the target
        "front door -> SOURCE", "arm: stop app", "arm: stop job scoring", "door: hold", "demote arm",
        "unfence home", "home: start job scoring", "home: start writer nightly", "home: start app", "door -> home",
        "front door -> SOURCE", "drop target"), afterFailure);
  }

  @Test
  void aHoldThatTimesOutStopsTheMoveBeforeTheSourceAppStops() {
    when(door.hold(any())).thenAnswer(i -> {
      journal.add("door: hold !");
      throw ApplicationFailure.newNonRetryableFailure("PAUSE game did not finish within 10s", "PAUSE_TIMED_OUT");
    });
    CutoverResult result = confirmedMove(plan());

    assertEquals(Outcome.ROLLED_BACK, result.outcome(), result.summary());
    assertTrue(result.summary().contains("PAUSE game did not finish"), result.summary());
    assertEquals(List.of("front door: hold", "door: hold !", "door -> home", "front door -> SOURCE", "drop target"),
        canonical(journal));
  }

  @Test
  void anEntryLeadingElsewhereBlocksInPreflightBeforeAnythingChanges() {
    entryAtHome = false;
    CutoverWorkflow workflow = start(plan());

    CutoverResult result = WorkflowStub.fromTyped(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.BLOCKED, result.outcome(), result.summary());
    assertTrue(result.status().findings().stream().anyMatch(f -> f.check().equals("database door")
        && f.severity() == Finding.Severity.BLOCKING), result.status().findings().toString());
    assertEquals(List.of(), canonical(journal));
  }

  @Test
  void aRollbackAfterTheMoveLeadsTheDoorBackToTheWrittenSource() {
    Plan back = plan().reversed();
    entryAtHome = false; // the completed move left it on arm, which is the rollback's source
    org.mockito.Mockito.doAnswer(i -> {
      var r = (DatabaseActivities.InspectRequest) i.getArgument(0);
      boolean fallback = r.box().equals("home");
      return new DatabaseInfo(r.box(), true, true, null, 150018, "PostgreSQL 15.18", 1L, 3, null, fallback,
          fallback ? "game" : null, null);
    }).when(database).inspect(any());
    CutoverWorkflow workflow = client.newWorkflowStub(CutoverWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(back.workflowId()).setTaskQueue(TaskQueues.MAIN).build());
    WorkflowClient.start(workflow::run, new CutoverRequest(back, false, "ops", true, "ops"));

    CutoverResult result = WorkflowStub.fromTyped(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    assertTrue(journal.indexOf("door: hold") < journal.indexOf("fence arm"), journal.toString());
    assertTrue(journal.contains("go live home") && journal.indexOf("go live home") < journal.indexOf("door -> home"),
        journal.toString());
  }

  private CutoverResult confirmedMove(Plan plan) {
    CutoverWorkflow workflow = start(plan);
    long deadline = System.currentTimeMillis() + 20_000;
    while (!workflow.status().waitingForConfirm()) {
      if (workflow.status().outcome() != null || System.currentTimeMillis() > deadline) {
        throw new AssertionError("never reached the gate: " + workflow.status());
      }
      env.sleep(Duration.ofMillis(50));
    }
    journal.clear();
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));
    return WorkflowStub.fromTyped(workflow).getResult(CutoverResult.class);
  }

  static Plan plan() {
    Plan base = CutoverWorkflowTest.plan();
    DatabaseDoor databaseDoor = new DatabaseDoor(
        new Database("jdbc:postgresql://127.0.0.1:6432/pgbouncer", "pgbouncer", "PGBOUNCER_PASSWORD", null),
        "game", "/etc/pgbouncer/pgbouncer.ini", Duration.ofSeconds(10));
    return new Plan(base.app(), base.source(), base.target(), base.settle(), base.copy(), base.verify(),
        base.frontDoor(), base.health(), base.confirm(), databaseDoor);
  }

  private static DoorState state(int port, boolean paused) {
    return new DoorState("127.0.0.1", port, "game", paused);
  }
}
