package dev.cutover.workflow;

import dev.cutover.workflow.CutoverWorkflow.AbortRequest;
import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Several apps moved under one parent: each app's move is a child {@link CutoverWorkflow} under its usual id
 * {@code cutover-<app>}, and the parent only orchestrates their confirm gates (no activities of its own).
 * Workflow id: {@code cutover-fleet-<name>} ({@link #workflowIdFor}).
 */
@WorkflowInterface
public interface FleetWorkflow {

  @WorkflowMethod
  FleetResult run(FleetRequest request);

  /** The fleet's confirm gate, for clients that cannot send updates; a confirm that would not count is ignored. */
  @SignalMethod
  void confirm(FleetConfirmation confirmation);

  /**
   * {@link #confirm}, answered. {@code batch}: every app still moving must be waiting at its gate, and all
   * are released, at most maxConcurrent past their gates at once. {@code each}: names one app at its gate.
   */
  @UpdateMethod
  Decision confirmFleet(FleetConfirmation confirmation);

  @UpdateValidatorMethod(updateName = "confirmFleet")
  void validateConfirmFleet(FleetConfirmation confirmation);

  /** Aborts every app not yet switched; an app whose switch has begun refuses, as it would alone, and goes on. */
  @SignalMethod
  void abort(AbortRequest request);

  /** {@link #abort}, answered: the decision recorded, or why it no longer applies. */
  @UpdateMethod
  Decision abortFleet(AbortRequest request);

  @UpdateValidatorMethod(updateName = "abortFleet")
  void validateAbortFleet(AbortRequest request);

  /** Sent by a child move as it enters each phase, so the parent knows which are at their gates. */
  @SignalMethod
  void childProgress(ChildProgress progress);

  @QueryMethod
  FleetStatus status();

  /** Who confirms; {@code app} names the one app to confirm in {@code each} mode, null in {@code batch}. */
  record FleetConfirmation(String by, String app) {}

  /** {@code sequence} counts up per child: signals may arrive out of order, the parent keeps the latest. */
  record ChildProgress(String app, Phase phase, long sequence) {}

  static String workflowIdFor(String fleet) {
    return "cutover-fleet-" + fleet;
  }
}
