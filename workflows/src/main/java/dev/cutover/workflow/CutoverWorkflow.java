package dev.cutover.workflow;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/** One app's move from its source box to its target box. Workflow id: {@code cutover-<app>}. */
@WorkflowInterface
public interface CutoverWorkflow {

  @WorkflowMethod
  CutoverResult run(CutoverRequest request);

  /**
   * The human gate: nothing freezes until someone confirms. Ignored outside the gate. Kept for clients and
   * recorded moves from before {@link #confirmMove}, which answers the sender instead.
   */
  @SignalMethod
  void confirm(Confirmation confirmation);

  /** Stop the move and compensate every step taken. Before the switch only; after it, roll back. */
  @SignalMethod
  void abort(AbortRequest request);

  /**
   * {@link #confirm}, answered: the decision recorded, or a rejection saying why it would not count (not at
   * the gate, already confirmed, already aborted by someone). Checked and recorded in one workflow step, so
   * a confirm and an abort sent together cannot both be told they took effect as if alone.
   */
  @UpdateMethod
  Decision confirmMove(Confirmation confirmation);

  @UpdateValidatorMethod(updateName = "confirmMove")
  void validateConfirmMove(Confirmation confirmation);

  /** {@link #abort}, answered: the decision recorded, or why it no longer applies. */
  @UpdateMethod
  Decision abortMove(AbortRequest request);

  @UpdateValidatorMethod(updateName = "abortMove")
  void validateAbortMove(AbortRequest request);

  @QueryMethod
  CutoverStatus status();

  record Confirmation(String by) {}

  record AbortRequest(String by, String reason) {}
}
