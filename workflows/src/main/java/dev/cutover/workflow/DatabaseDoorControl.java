package dev.cutover.workflow;

import dev.cutover.frontdoor.DatabaseDoorActivities;
import dev.cutover.plan.Box;
import io.temporal.workflow.Workflow;

/**
 * The plan's database door (PgBouncer) through the move. The freeze holds its clients beside the front
 * door's hold; the switch leads the entry to the target and resumes as soon as the target accepts writes;
 * each registers its undo on the saga first. The fence stays: a client that reaches a database some other
 * way still meets a read-only one.
 */
final class DatabaseDoorControl {

  /** The change id of the workflow version that added the door; moves recorded before it replay without it. */
  static final String CHANGE_ID = "database-door";

  private final MoveRequest move;
  private final Steps steps;
  private final Rollback saga;
  private final DatabaseDoorActivities door;
  private Boolean active;

  DatabaseDoorControl(MoveRequest move, Steps steps, Rollback saga, StepStubs stubs) {
    this.move = move;
    this.steps = steps;
    this.saga = saga;
    this.door = stubs.of(DatabaseDoorActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.DATABASE_DOOR);
  }

  /**
   * Whether this run drives a database door: the plan has one and the run is of a version that knows
   * doors. Asked first in preflight; a plan without a door records no version marker at all, so its
   * commands are exactly what they were before doors existed.
   */
  boolean active() {
    if (active == null) {
      active = move.plan().databaseDoor() != null
          && Workflow.getVersion(CHANGE_ID, Workflow.DEFAULT_VERSION, 1) == 1;
    }
    return active;
  }

  /** The stub preflight checks the door with, or null when there is no door to check. */
  DatabaseDoorActivities forPreflight() {
    return active() ? door : null;
  }

  /**
   * Start of the freeze: PAUSE, so the door's clients wait instead of meeting a stopped app's database or
   * the fence. Undone by leading the entry back to the source and resuming, registered first, so it runs
   * after the source is unfenced again.
   */
  void hold() {
    if (!active()) {
      return;
    }
    releaseOnRollback();
    steps.run(Phase.FREEZE, "hold database clients at PgBouncer", () -> door.hold(move.door(move.target())),
        DatabaseDoorActivities.DoorResult::detail);
  }

  /**
   * Registers the door's release toward the source (lead the entry back, RESUME) without holding: a
   * recovery undoing a lost move that may have held it.
   */
  void releaseOnRollback() {
    if (!active()) {
      return;
    }
    Box source = move.source();
    saga.addCompensation(() -> steps.run(Phase.ROLLBACK, "point database door back at " + source.name() + " and resume",
        () -> door.pointAt(move.door(source)), DatabaseDoorActivities.DoorResult::detail));
  }

  /**
   * The switch, once the target accepts writes: lead the entry there and RESUME. Undone by holding the
   * clients again, so that while a rollback fences the target and unfences the source they wait rather
   * than fail; the freeze's compensation then leads them back to the source.
   */
  void switchOver() {
    if (!active()) {
      return;
    }
    Box target = move.target();
    saga.addCompensation(() -> steps.run(Phase.ROLLBACK, "hold database clients again",
        () -> door.hold(move.door(move.source())), DatabaseDoorActivities.DoorResult::detail));
    steps.run(Phase.SWITCH, "point database door at " + target.name() + " and resume",
        () -> door.pointAt(move.door(target)), DatabaseDoorActivities.DoorResult::detail);
  }
}
