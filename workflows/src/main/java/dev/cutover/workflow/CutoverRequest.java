package dev.cutover.workflow;

import dev.cutover.plan.Plan;

/**
 * Input of a move. {@code rehearsal} runs preflight, prepare and a timed copy, and never freezes.
 * {@code reverse} marks a rollback: the plan arrives with source and target swapped, and the front door
 * is pointed at the plan's source. {@code autoConfirmBy}, when set, passes the confirm gate in that
 * person's name: the rollback command itself is the human decision. {@code recover}, when set, makes the
 * run a recovery of a move whose history was lost ({@code cutover recover}): it reads the journal the lost
 * move left on the databases and finishes or undoes that move, as {@link Recover} asks. {@code adoptStream}
 * (a rollback only): take over the reverse stream the move kept since its switch ({@code copy.rollbackWindow}),
 * so the rollback's freeze catches up instead of copying everything; if it cannot be taken over, the rollback
 * copies as without it, and says so.
 */
public record CutoverRequest(Plan plan, boolean rehearsal, String requestedBy, boolean reverse, String autoConfirmBy,
    Recover recover, boolean adoptStream) {

  /** What a recovery may do. AUTO is the safe default: finish a move whose target is live, else roll back. */
  public enum Recover {
    AUTO,
    FINISH,
    ROLLBACK
  }

  public CutoverRequest(Plan plan, boolean rehearsal, String requestedBy, boolean reverse, String autoConfirmBy) {
    this(plan, rehearsal, requestedBy, reverse, autoConfirmBy, null, false);
  }

  public CutoverRequest(Plan plan, boolean rehearsal, String requestedBy, boolean reverse, String autoConfirmBy,
      Recover recover) {
    this(plan, rehearsal, requestedBy, reverse, autoConfirmBy, recover, false);
  }

  /** The rollback of a move: the plan swapped, confirmed by asking for it. */
  public static CutoverRequest rollback(Plan swapped, String by, boolean reverse, boolean adoptStream) {
    return new CutoverRequest(swapped, false, by, reverse, by, null, adoptStream);
  }

  public static CutoverRequest move(Plan plan, boolean rehearsal, String requestedBy) {
    return new CutoverRequest(plan, rehearsal, requestedBy, false, null, null);
  }

  /** The human asking for recovery decides, as for a rollback: no confirm gate. */
  public static CutoverRequest recover(Plan plan, String requestedBy, Recover mode) {
    return new CutoverRequest(plan, false, requestedBy, false, requestedBy, mode);
  }
}
