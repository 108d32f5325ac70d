package dev.cutover.workflow;

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
      "rollback-after-switch", "logical", "logical-recheck", "logical-narrowed", "verify-objects-rollback"})
  void recordedMovesReplayAgainstTheCurrentWorkflow(String name) throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history(name), CutoverWorkflowImpl.class);
  }

  @Test
  void aChangedWorkflowFailsReplay() throws Exception {
    WorkflowExecutionHistory happyPath = history("happy-path");
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
