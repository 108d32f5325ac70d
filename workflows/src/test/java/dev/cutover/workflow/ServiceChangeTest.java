package dev.cutover.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.when;

import dev.cutover.hosts.HostActivities;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A service with a check is stopped or started and proven so by one activity, which keeps both steps in the
 * status; a failed try of the two together falls back to each as its own activity with its own retries.
 */
class ServiceChangeTest extends MockedMove {

  @Test
  void aCommandAndItsCheckRunAsOneActivityAndKeepTheirTwoSteps() {
    provenChecks();
    CutoverWorkflow workflow = start(planWithAppChecks());
    awaitGate(workflow);
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));

    assertEquals(Outcome.COMPLETED, stubOf(workflow).getResult(CutoverResult.class).outcome());
    Map<String, Integer> activities = scheduled(workflow);
    // The two apps' changes in the freeze and the switch, each one activity; the other services have no check.
    assertEquals(2, activities.getOrDefault("Change", 0), activities.toString());
    assertEquals(0, activities.getOrDefault("VerifyState", 0), activities.toString());
    List<StepStatus> steps = workflow.status().steps();
    assertStepThen(steps, "stop app on home", "exit 0 in 1 ms", "check app on home is stopped", "proven");
    assertStepThen(steps, "start app on arm", "exit 0 in 1 ms", "check app on arm is running", "proven");
  }

  @Test
  void aFailedTryOfBothFallsBackToTheCommandAndTheCheckEachWithItsRetries() {
    provenChecks();
    AtomicBoolean failedOnce = new AtomicBoolean();
    org.mockito.Mockito.doAnswer(i -> {
      HostActivities.ServiceChangeRequest r = i.getArgument(0);
      if (failedOnce.compareAndSet(false, true)) {
        throw ApplicationFailure.newFailure("ssh: connection reset", "COMMAND_FAILED");
      }
      return new HostActivities.ServiceChanged(hosts.run(r.command()), hosts.verifyState(r.check()));
    }).when(hosts).change(any());
    CutoverWorkflow workflow = start(planWithAppChecks());
    awaitGate(workflow);
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));

    assertEquals(Outcome.COMPLETED, stubOf(workflow).getResult(CutoverResult.class).outcome());
    Map<String, Integer> activities = scheduled(workflow);
    assertEquals(2, activities.getOrDefault("Change", 0), "tried once each, not retried: " + activities);
    assertEquals(1, activities.getOrDefault("VerifyState", 0), activities.toString());
    StepStatus stop = step(workflow.status().steps(), "stop app on home");
    assertEquals("exit 0 in 1 ms (tried with its check first: ssh: connection reset)", stop.detail());
    assertEquals("proven", step(workflow.status().steps(), "check app on home is stopped").detail());
  }

  private void provenChecks() {
    when(hosts.verifyState(any())).thenAnswer(i -> {
      HostActivities.StateCheckRequest r = i.getArgument(0);
      return new HostActivities.StateCheckResult(r.what(), r.expectRunning(), 1, 1, "proven");
    });
  }

  /** How many activities of each type the move's history scheduled. */
  private Map<String, Integer> scheduled(CutoverWorkflow workflow) {
    Map<String, Integer> out = new TreeMap<>();
    String id = stubOf(workflow).getExecution().getWorkflowId();
    for (HistoryEvent e : client.fetchHistory(id).getEvents()) {
      if (e.hasActivityTaskScheduledEventAttributes()) {
        out.merge(e.getActivityTaskScheduledEventAttributes().getActivityType().getName(), 1, Integer::sum);
      }
    }
    return out;
  }

  /** {@code first} done with its detail, and {@code then} done, beginning where it ended. */
  private static void assertStepThen(List<StepStatus> steps, String first, String firstDetail, String then,
      String thenDetail) {
    StepStatus a = step(steps, first);
    StepStatus b = step(steps, then);
    assertTrue(steps.indexOf(b) > steps.indexOf(a), steps.toString());
    assertEquals(firstDetail, a.detail());
    assertEquals(thenDetail, b.detail());
    assertEquals(StepStatus.State.DONE, b.state());
    assertEquals(a.endedAt(), b.startedAt(), "the check begins where the command's part ends");
    assertTrue(b.endedAt() >= b.startedAt(), steps.toString());
  }
}
