package dev.cutover.workflow;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** One app's move from its source box to its target box. Workflow id: {@code cutover-<app>}. */
@WorkflowInterface
public interface CutoverWorkflow {

  @WorkflowMethod
  CutoverResult run(CutoverRequest request);

  /** The human gate: nothing freezes until someone confirms. Ignored outside the gate. */
  @SignalMethod
  void confirm(Confirmation confirmation);

  /** Stop the move and compensate every step taken. Before the switch only; after it, roll back. */
  @SignalMethod
  void abort(AbortRequest request);

  @QueryMethod
  CutoverStatus status();

  record Confirmation(String by) {}

  record AbortRequest(String by, String reason) {}
}
