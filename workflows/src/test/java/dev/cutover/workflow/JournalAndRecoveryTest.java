package dev.cutover.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.when;

import dev.cutover.database.DatabaseActivities.DatabaseInfo;
import dev.cutover.database.DatabaseActivities.InspectRequest;
import dev.cutover.database.Markers;
import dev.cutover.database.MoveJournal;
import dev.cutover.verify.FingerprintActivities.FingerprintRequest;
import dev.cutover.workflow.CutoverRequest.Recover;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The move's journal on the databases, and recovery of a move whose history was lost: what is written when,
 * what blocks a new move, and what `cutover recover` does from each state a lost move can leave.
 */
class JournalAndRecoveryTest extends MockedMove {

  private static final String LOST = "lost-run";

  @Test
  void aCompletedMoveJournalsEachStepBeforeItAndClearsTheJournalAtTheEnd() {
    CutoverWorkflow workflow = start(plan());
    awaitGate(workflow);
    assertEquals(List.of("home: prepare"), journals);
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));

    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    assertEquals(List.of("home: prepare", "home: freeze", "home: switch", "home: cleared"), journals);
  }

  @Test
  void anAbortAtTheGateClearsTheJournalAfterUndoing() {
    CutoverWorkflow workflow = start(plan());
    awaitGate(workflow);
    workflow.abort(new CutoverWorkflow.AbortRequest("ops", "not today"));

    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.ABORTED, result.outcome());
    assertEquals(List.of("home: prepare", "home: cleared"), journals);
  }

  @Test
  void aCompensationThatFailsEndsTheMoveFailedAndKeepsTheJournal() {
    doThrow(io.temporal.failure.ApplicationFailure.newNonRetryableFailure("disk gone", "INJECTED"))
        .when(database).dropTarget(any());
    CutoverWorkflow workflow = start(plan());
    awaitGate(workflow);
    workflow.abort(new CutoverWorkflow.AbortRequest("ops", "not today"));

    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.FAILED, result.outcome(), result.summary());
    assertTrue(result.summary().contains("a compensation failed: disk gone"), result.summary());
    assertEquals(List.of("home: prepare"), journals);
  }

  @Test
  void preflightBlocksWhileAnotherRunsJournalIsOnTheSource() {
    lostMove(MoveJournal.FREEZE, Markers.COPIED);
    CutoverWorkflow workflow = start(plan());

    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.BLOCKED, result.outcome());
    assertTrue(result.status().findings().stream().anyMatch(f -> f.check().equals("unfinished move")
        && f.message().contains(LOST) && f.fix().contains("cutover recover")), result.status().findings().toString());
    assertEquals(List.of(), canonical(journal));
  }

  @Test
  void recoveringAMoveLostBeforeItsSwitchRollsItBackToTheSourceServing() {
    lostMove(MoveJournal.FREEZE, Markers.COPIED);

    CutoverResult result = recover(Recover.AUTO);

    assertEquals(Outcome.ROLLED_BACK, result.outcome(), result.summary());
    assertTrue(result.summary().startsWith("recovered the lost move " + LOST + " by rolling it back"), result.summary());
    assertEquals(List.of("unfence home", "home: start job scoring", "home: start writer nightly", "home: start app",
        "front door -> SOURCE", "drop target"), canonical(journal));
    assertEquals(List.of("home: cleared"), journals);
  }

  @Test
  void recoveringAMoveLostAfterItsTargetWentLiveFinishesIt() {
    lostMove(MoveJournal.SWITCH, Markers.LIVE);

    CutoverResult result = recover(Recover.AUTO);

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    assertEquals(List.of("front door: hold", "home: stop app", "home: stop writer nightly", "home: stop job scoring",
        "fence home", "go live arm", "arm: start job scoring", "arm: start app", "front door -> TARGET"), canonical(journal));
    assertEquals(List.of("home: switch", "home: cleared"), journals);
  }

  @Test
  void aLiveTargetIsNeverRolledBackByRecovery() {
    lostMove(MoveJournal.SWITCH, Markers.LIVE);

    CutoverResult result = recover(Recover.ROLLBACK);

    assertEquals(Outcome.BLOCKED, result.outcome());
    assertTrue(result.summary().contains("rolling back could lose what users did there"), result.summary());
    assertEquals(List.of(), canonical(journal));
  }

  @Test
  void finishingALostMoveProvesTheCopyFirstAndRollsBackWhenItDiffers() {
    lostMove(MoveJournal.FREEZE, Markers.COPIED);
    when(fingerprints.fingerprint(any())).thenAnswer(i -> {
      FingerprintRequest r = i.getArgument(0);
      return fingerprint(r.box().equals("arm") ? "half a copy" : "same");
    });

    CutoverResult result = recover(Recover.FINISH);

    assertEquals(Outcome.ROLLED_BACK, result.outcome(), result.summary());
    assertTrue(result.summary().startsWith("verify gate failed"), result.summary());
    assertEquals(List.of("front door: hold", "home: stop app", "home: stop writer nightly", "home: stop job scoring",
        "fence home", "copy", "unfence home", "home: start job scoring", "home: start writer nightly", "home: start app",
        "front door -> SOURCE", "drop target"), canonical(journal));
  }

  @Test
  void finishingALostMoveWithAProvenCopySwitchesToTheTarget() {
    lostMove(MoveJournal.FREEZE, Markers.COPIED);

    CutoverResult result = recover(Recover.FINISH);

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    assertTrue(journal.containsAll(List.of("fence home", "copy", "go live arm", "front door -> TARGET")),
        journal.toString());
    assertTrue(journal.indexOf("fence home") < journal.indexOf("copy"), "copied again only once the source is fenced");
  }

  @Test
  void aLiveTargetThatTookWritesIsNotUndoneWhenFinishingItFails() {
    lostMove(MoveJournal.SWITCH, Markers.LIVE);
    failAt = "fence home";
    when(fingerprints.fingerprint(any())).thenAnswer(i -> {
      FingerprintRequest r = i.getArgument(0);
      return fingerprint(r.box().equals("arm") ? "users wrote here" : "same");
    });

    CutoverResult result = recover(Recover.AUTO);

    assertEquals(Outcome.FAILED, result.outcome(), result.summary());
    assertTrue(result.summary().contains("the target has taken writes"), result.summary());
    assertTrue(!journal.contains("unfence home") && !journal.contains("front door -> SOURCE"), journal.toString());
  }

  @Test
  void recoveryChangesNothingWhileADatabaseCannotBeReached() {
    lostMove(MoveJournal.SWITCH, Markers.LIVE);
    doAnswer(i -> {
      InspectRequest r = i.getArgument(0);
      return r.box().equals("home")
          ? new DatabaseInfo("home", true, true, null, 150018, "PostgreSQL 15.18", 1L, 3, null, true, "game",
              new MoveJournal("game", LOST, MoveJournal.SWITCH, false, "home", "arm", List.of("app"), "home", 1))
          : new DatabaseInfo("arm", false, false, "connection refused", null, null, null, null, null, false, null,
              null);
    }).when(database).inspect(any());

    CutoverResult result = recover(Recover.AUTO);

    assertEquals(Outcome.BLOCKED, result.outcome());
    assertTrue(result.summary().contains("cannot reach arm (connection refused)"), result.summary());
    assertEquals(List.of(), canonical(journal));
  }

  @Test
  void aRehearsalLeavesNoJournal() {
    CutoverWorkflow workflow = client.newWorkflowStub(CutoverWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(plan().workflowId()).setTaskQueue(TaskQueues.MAIN).build());

    CutoverResult result = WorkflowClient.execute(workflow::run, CutoverRequest.move(plan(), true, "ops")).join();

    assertEquals(Outcome.REHEARSED, result.outcome(), result.summary());
    assertEquals(List.of(), journals);
  }

  @Test
  void withNoJournalThereIsNothingToRecoverAndNothingChanges() {
    CutoverResult result = recover(Recover.AUTO);

    assertEquals(Outcome.BLOCKED, result.outcome());
    assertTrue(result.summary().contains("nothing to recover"), result.summary());
    assertEquals(List.of(), canonical(journal));
  }

  /** The databases as a move of game, run {@value #LOST}, left them when its history was lost at {@code step}. */
  private void lostMove(String step, String targetState) {
    MoveJournal lost = new MoveJournal("game", LOST, step, false, "home", "arm", List.of("app"), "home", 1);
    doAnswer(i -> {
      InspectRequest r = i.getArgument(0);
      return r.box().equals("home")
          ? new DatabaseInfo("home", true, true, null, 150018, "PostgreSQL 15.18", 1L, 3, null,
              !step.equals(MoveJournal.PREPARE), "game", lost)
          : new DatabaseInfo("arm", true, true, null, 150018, "PostgreSQL 15.18", 1L, 3,
              Markers.of("game", LOST, targetState), !targetState.equals(Markers.LIVE), "game", null);
    }).when(database).inspect(any());
  }

  private CutoverResult recover(Recover mode) {
    CutoverWorkflow workflow = client.newWorkflowStub(CutoverWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(plan().workflowId()).setTaskQueue(TaskQueues.MAIN).build());
    return WorkflowClient.execute(workflow::run, CutoverRequest.recover(plan(), "ops", mode)).join();
  }
}
