package dev.cutover.workflow;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.api.common.v1.Payload;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.common.converter.DefaultDataConverter;
import java.util.List;

/** What the Temporal web UI reads from a history besides the events: the summaries in their user metadata. */
final class UiMetadata {

  /** One ActivityTaskScheduled event: the activity type and the summary it carries ("" when none). */
  record Scheduled(String type, String summary) {}

  /** What every completed dump-restore move from home to arm schedules, each with its step's words. */
  static final List<Scheduled> EVERY_MOVE_HOME_TO_ARM = List.of(
      new Scheduled("Inspect", "inspect source database"),
      new Scheduled("Inspect", "inspect target database"),
      new Scheduled("Copy", "rehearsal copy (timed)"),
      new Scheduled("Run", "stop app on home"),
      new Scheduled("Fence", "fence source database"),
      new Scheduled("Copy", "dump and restore"),
      new Scheduled("Fingerprint", "fingerprint both sides"),
      new Scheduled("PointAt", "point front door at arm"));

  private UiMetadata() {}

  static void assertScheduled(List<Scheduled> scheduled, List<Scheduled> expected) {
    for (Scheduled activity : expected) {
      assertTrue(scheduled.contains(activity), activity + " not in " + scheduled);
    }
  }

  static List<Scheduled> scheduledActivities(WorkflowExecutionHistory history) {
    return history.getEvents().stream()
        .filter(HistoryEvent::hasActivityTaskScheduledEventAttributes)
        .map(e -> new Scheduled(e.getActivityTaskScheduledEventAttributes().getActivityType().getName(),
            e.getUserMetadata().hasSummary() ? text(e.getUserMetadata().getSummary()) : ""))
        .toList();
  }

  /** The static summary {@code cutover start} gave the run (first event), or "". */
  static String workflowSummary(WorkflowExecutionHistory history) {
    HistoryEvent started = history.getEvents().get(0);
    return started.getUserMetadata().hasSummary() ? text(started.getUserMetadata().getSummary()) : "";
  }

  static String workflowDetails(WorkflowExecutionHistory history) {
    HistoryEvent started = history.getEvents().get(0);
    return started.getUserMetadata().hasDetails() ? text(started.getUserMetadata().getDetails()) : "";
  }

  private static String text(Payload payload) {
    return DefaultDataConverter.STANDARD_INSTANCE.fromPayload(payload, String.class, String.class);
  }
}
