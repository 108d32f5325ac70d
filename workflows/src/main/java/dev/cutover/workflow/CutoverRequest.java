package dev.cutover.workflow;

import dev.cutover.plan.Plan;

/**
 * Input of a move. {@code rehearsal} runs preflight, prepare and a timed copy, and never freezes.
 * {@code reverse} marks a rollback: the plan arrives with source and target swapped, and the front door
 * is pointed at the plan's source. {@code autoConfirmBy}, when set, passes the confirm gate in that
 * person's name: the rollback command itself is the human decision. {@code recover}, when set, makes the
 * run a recovery of a move whose history was lost ({@code cutover recover}): it reads the journal the lost
 * move left on the databases and finishes or undoes that move, as {@link Recover} asks.
 */
public record CutoverRequest(
    Plan plan, boolean rehearsal, String requestedBy, boolean reverse, String autoConfirmBy, Recover recover) {

  /** What a recovery may do. AUTO is the safe default: finish a move whose target is live, else roll back. */
  public enum Recover {
    AUTO,
    FINISH,
    ROLLBACK
  }

  public CutoverRequest(Plan plan, boolean rehearsal, String requestedBy, boolean reverse, String autoConfirmBy) {
    this(plan, rehearsal, requestedBy, reverse, autoConfirmBy, null);
  }

  public static CutoverRequest move(Plan plan, boolean rehearsal, String requestedBy) {
    return new CutoverRequest(plan, rehearsal, requestedBy, false, null, null);
  }

  /** The human asking for recovery decides, as for a rollback: no confirm gate. */
  public static CutoverRequest recover(Plan plan, String requestedBy, Recover mode) {
    return new CutoverRequest(plan, false, requestedBy, false, requestedBy, mode);
  }
}
