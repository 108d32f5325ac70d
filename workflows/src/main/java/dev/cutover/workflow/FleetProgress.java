package dev.cutover.workflow;

import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;

/**
 * A move started by a fleet tells its parent each phase it enters: a workflow cannot query another, and the
 * parent must know which of its children wait at their gates before it confirms them. A move with no parent
 * sends nothing, so the histories of single moves are unchanged.
 */
final class FleetProgress {

  private String parent;
  private Boolean on;
  private long sequence;

  void entered(String app, Phase phase) {
    if (on == null) {
      parent = Workflow.getInfo().getParentWorkflowId().orElse(null);
      // Moves of fleets started before this existed (there were none) would replay without it.
      on = parent != null && Workflow.getVersion("fleet-progress", Workflow.DEFAULT_VERSION, 1) == 1;
    }
    if (!on) {
      return;
    }
    FleetWorkflow fleet = Workflow.newExternalWorkflowStub(FleetWorkflow.class, parent);
    // Not waited for: a parent that is gone (terminated) must not stop the move.
    Async.procedure(fleet::childProgress, new FleetWorkflow.ChildProgress(app, phase, ++sequence));
  }
}
