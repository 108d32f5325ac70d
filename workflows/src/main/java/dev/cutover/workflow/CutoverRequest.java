package dev.cutover.workflow;

import dev.cutover.plan.Plan;

/**
 * Input of a move. {@code rehearsal} runs preflight, prepare and a timed copy, and never freezes.
 * {@code reverse} marks a rollback: the plan arrives with source and target swapped, and the front door
 * is pointed at the plan's source. {@code autoConfirmBy}, when set, passes the confirm gate in that
 * person's name: the rollback command itself is the human decision.
 */
public record CutoverRequest(
    Plan plan, boolean rehearsal, String requestedBy, boolean reverse, String autoConfirmBy) {

  public static CutoverRequest move(Plan plan, boolean rehearsal, String requestedBy) {
    return new CutoverRequest(plan, rehearsal, requestedBy, false, null);
  }
}
