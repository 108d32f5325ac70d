package dev.cutover.workflow;

import dev.cutover.plan.FleetConfirm;
import dev.cutover.plan.Plan;
import java.util.List;

/**
 * Input of a fleet: its name, one plan per app (the same plans a single move takes), how many apps may be
 * past their confirm gates at once, how the gates are confirmed, and who started it.
 */
public record FleetRequest(String name, List<Plan> plans, int maxConcurrent, FleetConfirm confirm, String requestedBy) {

  public FleetRequest {
    plans = List.copyOf(plans);
  }

  public String workflowId() {
    return FleetWorkflow.workflowIdFor(name);
  }
}
