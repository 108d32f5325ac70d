package dev.cutover.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.database.DatabaseActivities;
import dev.cutover.database.DatabaseActivities.InspectRequest;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.WorkflowReplayer;
import io.temporal.workflow.Workflow;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Moves in flight must survive a new release of the workflow: histories recorded from real runs (the
 * end-to-end tests, see demo's Histories) are replayed against the current implementation on every
 * build. A change that would break them must go behind Workflow.getVersion. The negative control proves
 * the replay would notice.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReplayTest {

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"happy-path", "abort-at-gate", "verify-failure-rollback", "stale-gate",
      "rollback-after-switch", "logical", "logical-recheck", "logical-narrowed", "happy-path-summaries",
      "happy-path-journal", "verify-failure-journal", "rollback-after-switch-journal", "logical-journal",
      "recover-at-the-gate", "recover-in-the-copy", "database-door",
      "verify-objects-rollback", "happy-path-concurrent", "verify-failure-concurrent", "start-app-ahead",
      "reverse-stream", "rollback-adopting", "logical-rebaseline", "happy-path-spare", "abort-at-gate-spare",
      "verify-failure-spare", "happy-path-change-with-check", "rollback-after-switch-change-with-check",
      "verify-failure-change-with-check", "happy-path-estimate", "logical-estimate", "rollback-hold-back"})
  void recordedMovesReplayAgainstTheCurrentWorkflow(String name) throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history(name), CutoverWorkflowImpl.class);
  }

  /** A real move since the journal: each step journalled on the source before it, the switch one commit. */
  @Test
  void aRecordedMoveJournalsItsStepsAndGoesLiveInOneStep() throws Exception {
    List<UiMetadata.Scheduled> scheduled = UiMetadata.scheduledActivities(history("happy-path-journal"));
    UiMetadata.assertScheduled(scheduled, List.of(new UiMetadata.Scheduled("Record", "journal on home: prepare"),
        new UiMetadata.Scheduled("Record", "journal on home: freeze"),
        new UiMetadata.Scheduled("Record", "journal on home: switch"),
        new UiMetadata.Scheduled("GoLive", "unfence target database and mark it live"),
        new UiMetadata.Scheduled("ClearJournal", "clear the move's journal on home")));
    assertTrue(scheduled.stream().noneMatch(a -> a.type().equals("MarkTargetLive")), scheduled.toString());
  }

  /**
   * A real move since concurrent services: the freeze schedules every stop on home before any of them
   * completes, and the switch every start on arm, so each side costs its slowest service, not the sum.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"stop app on home|stop writer nightly-standings on home|stop job odds-freezer on home"
      + "|stop job grader on home", "start job odds-freezer on arm|start job grader on arm"
      + "|start writer nightly-standings on arm|start app on arm"})
  void aRecordedMoveChangesABoxsServicesAllAtOnce(String group) throws Exception {
    List<String> names = List.of(group.split("\\|"));
    List<io.temporal.api.history.v1.HistoryEvent> events = history("happy-path-concurrent").getEvents();
    java.util.Map<Long, String> scheduled = new java.util.HashMap<>();
    long firstCompleted = Long.MAX_VALUE;
    long lastScheduled = -1;
    for (io.temporal.api.history.v1.HistoryEvent e : events) {
      if (e.hasActivityTaskScheduledEventAttributes() && e.getUserMetadata().hasSummary()) {
        String summary = io.temporal.common.converter.DefaultDataConverter.STANDARD_INSTANCE.fromPayload(
            e.getUserMetadata().getSummary(), String.class, String.class);
        if (names.contains(summary)) {
          scheduled.put(e.getEventId(), summary);
          lastScheduled = Math.max(lastScheduled, e.getEventId());
        }
      }
      if (e.hasActivityTaskCompletedEventAttributes()
          && scheduled.containsKey(e.getActivityTaskCompletedEventAttributes().getScheduledEventId())) {
        firstCompleted = Math.min(firstCompleted, e.getEventId());
      }
    }
    assertEquals(java.util.Set.copyOf(names), java.util.Set.copyOf(scheduled.values()), scheduled.toString());
    assertTrue(lastScheduled < firstCompleted,
        "all scheduled (last at event " + lastScheduled + ") before the first completed (" + firstCompleted + ")");
  }

  /** Recoveries recorded after the service (and, in the copy, the worker too) was SIGKILLed: both rolled back. */
  @Test
  void recordedRecoveriesReadTheJournalThenUndoTheLostMove() throws Exception {
    for (String name : List.of("recover-at-the-gate", "recover-in-the-copy")) {
      List<UiMetadata.Scheduled> scheduled = UiMetadata.scheduledActivities(history(name));
      UiMetadata.assertScheduled(scheduled, List.of(new UiMetadata.Scheduled("Inspect", "read the journal on home"),
          new UiMetadata.Scheduled("Unfence", "unfence source database"),
          new UiMetadata.Scheduled("DropTarget", "drop target database"),
          new UiMetadata.Scheduled("ClearJournal", "clear the move's journal on home")));
      assertTrue(scheduled.stream().noneMatch(a -> a.type().equals("GoLive")), name + ": " + scheduled);
    }
  }

  /**
   * The web UI's words, as a real move through {@code cutover start} recorded them: the run's summary and
   * details, and on every scheduled activity its step's words (the older histories have none).
   */
  @Test
  void aRecordedMoveCarriesItsSummaryAndEveryActivityItsStepsWords() throws Exception {
    WorkflowExecutionHistory recorded = history("happy-path-summaries");
    List<UiMetadata.Scheduled> scheduled = UiMetadata.scheduledActivities(recorded);

    assertEquals("move game: home -> arm (dump-restore)", UiMetadata.workflowSummary(recorded));
    assertTrue(UiMetadata.workflowDetails(recorded).contains("**copy** dump-restore"), UiMetadata.workflowDetails(recorded));
    assertTrue(scheduled.size() > 40, "a whole move: " + scheduled.size());
    assertTrue(scheduled.stream().noneMatch(a -> a.summary().isBlank()), scheduled.toString());
    UiMetadata.assertScheduled(scheduled, UiMetadata.EVERY_MOVE_HOME_TO_ARM);
    UiMetadata.assertScheduled(scheduled, List.of(new UiMetadata.Scheduled("VerifyState", "check app on home is stopped")));
    assertTrue(UiMetadata.scheduledActivities(history("happy-path")).stream().allMatch(a -> a.summary().isEmpty()),
        "the history from before summaries has none, and still replays");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"happy-path", "happy-path-summaries"})
  void aChangedWorkflowFailsReplay(String name) throws Exception {
    WorkflowExecutionHistory happyPath = history(name);
    Exception failed = null;
    // On a machine loaded far past its cores the replayer's deadlock detector (a workflow thread that
    // did not yield within a second) can fire first; that says nothing about determinism, so try again.
    for (int attempt = 0; attempt < 3 && (failed == null || causedBy(failed, "Deadlock")); attempt++) {
      failed = assertThrows(Exception.class,
          () -> WorkflowReplayer.replayWorkflowExecution(happyPath, ReorderedWorkflow.class));
    }
    assertTrue(causedBy(failed, "NonDeterministic") || causedBy(failed, "nondetermini"),
        "replay failed, but not for non-determinism: " + failed);
  }

  private static boolean causedBy(Throwable failed, String word) {
    for (Throwable c = failed; c != null; c = c.getCause()) {
      if (c.getClass().getSimpleName().contains(word)
          || String.valueOf(c.getMessage()).toLowerCase().contains(word.toLowerCase())) {
        return true;
      }
    }
    return false;
  }

  static WorkflowExecutionHistory history(String name) throws IOException {
    try (InputStream in = ReplayTest.class.getResourceAsStream("/histories/" + name + ".json")) {
      assertNotNull(in, "history " + name + " is missing from workflows/src/test/resources/histories");
      String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertFalse(json.isBlank());
      return WorkflowExecutionHistory.fromJson(json);
    }
  }

  /**
   * The negative control: a release that inspects one database before the other instead of both at
   * once. Any recorded move must fail to replay on it.
   */
  public static class ReorderedWorkflow extends CutoverWorkflowImpl {
    @Override
    public CutoverResult run(CutoverRequest request) {
      DatabaseActivities database = Workflow.newActivityStub(DatabaseActivities.class,
          ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(30)).build());
      database.inspect(new InspectRequest(request.plan().target().name(), request.plan().target().database()));
      Workflow.sleep(Duration.ofSeconds(1));
      return super.run(request);
    }
  }
}
