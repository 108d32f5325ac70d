package dev.cutover.workflow;

import dev.cutover.database.DatabaseActivities;
import dev.cutover.database.DatabaseActivities.GuardRequest;
import dev.cutover.database.DatabaseActivities.GuardResult;
import dev.cutover.plan.Durations;
import dev.cutover.plan.Plan;
import dev.cutover.workflow.StepStatus.State;
import io.temporal.workflow.Workflow;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Phase 5, "finished, not whistle": every guard of the plan true on the source, and still true after
 * {@code settle.stableFor}; past {@code settle.timeout}, or on an abort, the move stops before the freeze.
 */
final class SettleGate {

  private SettleGate() {}

  static void await(Plan plan, Steps steps, DatabaseActivities database, ConfirmGate gate) {
    var settle = plan.settle();
    if (settle.guards().isEmpty()) {
      steps.skip(Phase.SETTLE, "settle guards", "the plan has no guards");
      return;
    }
    int index = steps.begin(Phase.SETTLE, "wait until every guard holds for " + Durations.format(settle.stableFor()));
    long deadline = Workflow.currentTimeMillis() + settle.timeout().toMillis();
    Long holdingSince = null;
    while (true) {
      gate.stopIfAborted();
      List<GuardResult> results =
          database.checkGuards(
              new GuardRequest(plan.source().name(), plan.source().database(), settle.guards()));
      long now = Workflow.currentTimeMillis();
      List<String> failing =
          results.stream().filter(r -> !r.holds()).map(GuardResult::name).collect(Collectors.toList());
      if (failing.isEmpty()) {
        holdingSince = holdingSince == null ? now : holdingSince;
        if (now - holdingSince >= settle.stableFor().toMillis()) {
          steps.end(index, State.DONE, "every guard held for " + (now - holdingSince) + " ms");
          return;
        }
        steps.update(index, "all guards hold, stable for " + (now - holdingSince) + " ms");
      } else {
        holdingSince = null;
        steps.update(index, "still false: " + String.join(", ", failing));
      }
      if (now >= deadline) {
        steps.end(index, State.FAILED, "timed out; still false: " + String.join(", ", failing));
        throw new StopMove(
            Outcome.ABORTED, "settle timed out after " + Durations.format(settle.timeout()) + "; still false: " + failing);
      }
      Workflow.await(settle.pollEvery(), () -> gate.aborted() != null);
    }
  }
}
