package dev.cutover.workflow;

import dev.cutover.database.CopyActivities.CopyRequest;
import dev.cutover.database.CopyActivities.LogicalRequest;
import dev.cutover.database.CopyActivities.ReverseRequest;
import dev.cutover.database.DatabaseActivities.FenceRequest;
import dev.cutover.database.DatabaseActivities.TargetRequest;
import dev.cutover.frontdoor.DatabaseDoorActivities.DoorRequest;
import dev.cutover.frontdoor.FrontDoorActivities.FrontDoorRequest;
import dev.cutover.frontdoor.FrontDoorActivities.Side;
import dev.cutover.plan.Box;
import dev.cutover.plan.Copy;
import dev.cutover.plan.FrontDoor;
import dev.cutover.plan.Plan;
import dev.cutover.verify.FingerprintActivities.ChangeLogRequest;
import dev.cutover.verify.FingerprintActivities.FingerprintRequest;
import io.temporal.workflow.Workflow;

/**
 * One run of the move, and the activity requests it makes. A rollback ({@code reverse}) runs on the swapped
 * plan: this record is the one place that knows what that changes, so the phases ask it instead of
 * branching on the flag themselves. {@code adopting}: a rollback taking over the reverse stream its move kept.
 */
record MoveRequest(Plan plan, String moveId, boolean reverse, boolean adopting) {

  MoveRequest(Plan plan, String moveId, boolean reverse) {
    this(plan, moveId, reverse, false);
  }

  /** After a stream that could not be taken over: the rollback copies as it always did. */
  MoveRequest withoutAdoption() {
    return new MoveRequest(plan, moveId, reverse, false);
  }

  Box source() {
    return plan.source();
  }

  Box target() {
    return plan.target();
  }

  /**
   * A rollback copies with dump-restore: starting a subscription would rebuild the fallback before the freeze.
   * Unless it adopts the reverse stream, which has kept the fallback current: then it only catches up.
   */
  boolean logical() {
    return (!reverse || adopting) && plan.copy().strategy() == Copy.Strategy.LOGICAL;
  }

  /** A forward move whose plan keeps the old box current after the switch (copy.rollbackWindow). */
  boolean keepsFallbackCurrent() {
    return !reverse && plan.copy().keepsFallbackCurrent();
  }

  /** The reverse stream: from this move's target, which goes live, back to its source, the fallback. */
  ReverseRequest reverseRequest() {
    return new ReverseRequest(plan.app(), moveId, target().name(), target().database(), source().name(),
        source().database(), plan.copy());
  }

  /**
   * Whether the target's app starts before the freeze, against its fenced database: only an app that says
   * it boots read-only, and only with logical replication, whose target database is in place and fenced from
   * the pre-sync on (a dump-restore replaces it inside the freeze, under the app's connections). Not behind
   * Caddy: its hold is requests waiting for the target to accept connections, so the target's app must not
   * be listening before the switch.
   */
  boolean startsAppAhead() {
    return logical() && target().app().bootsReadOnly() && !target().app().start().isEmpty()
        && !(plan.frontDoor() instanceof FrontDoor.Caddy);
  }

  /** Only a forward move claims a target the plan allows to overwrite; a rollback's target is the fallback. */
  boolean claimsTarget() {
    return target().overwrite() && !reverse;
  }

  /** A rollback keeps the fallback database untouched until the freeze, so it neither creates it nor rehearses. */
  boolean rehearsesOnTarget() {
    return !reverse;
  }

  /**
   * Whether the freeze begins by holding requests at the front door. A move does; a rollback does behind
   * Caddy (toward the written plan's source, the app it starts), unless it was recorded before it could.
   */
  boolean holdsAtFrontDoor() {
    return !reverse || plan.frontDoor() instanceof FrontDoor.Caddy
        && Workflow.getVersion("hold-back", Workflow.DEFAULT_VERSION, 1) == 1;
  }

  /**
   * The front door's sides are named after the plan as written. A rollback runs on the swapped plan,
   * so "point at this move's target" means pointing back at the written plan's source.
   */
  FrontDoorRequest frontDoor(Side side) {
    Side written = !reverse ? side : side == Side.TARGET ? Side.SOURCE : Side.TARGET;
    return new FrontDoorRequest(plan.app(), plan.frontDoor(), written);
  }

  /** The database door led to {@code to}; the other box is the one no server connection may stay on. */
  DoorRequest door(Box to) {
    Box other = to == source() ? target() : source();
    return new DoorRequest(plan.app(), plan.databaseDoor(), to.name(), to.database(), other.name(), other.database());
  }

  TargetRequest targetRequest() {
    return new TargetRequest(plan.app(), moveId, target().name(), target().database());
  }

  FenceRequest fence(Box box) {
    return new FenceRequest(plan.app(), box.name(), box.database());
  }

  CopyRequest copyRequest() {
    return new CopyRequest(plan.app(), moveId, source().name(), source().database(), target().name(),
        target().database(), plan.copy());
  }

  LogicalRequest logicalRequest() {
    return new LogicalRequest(plan.app(), moveId, source().name(), source().database(), target().name(),
        target().database(), plan.copy());
  }

  /** {@code side} names the slot ("source" or "target"), so both sides may share one server. */
  ChangeLogRequest changeLog(Box box) {
    return new ChangeLogRequest(plan.app(), box == source() ? "source" : "target", box.name(), box.database());
  }

  /** Rows and objects; owners and grants only where the copy keeps them. */
  FingerprintRequest fingerprint(Box box) {
    return new FingerprintRequest(box.name(), box.database(), plan.verify(), true, BothSides.owners(plan));
  }
}
