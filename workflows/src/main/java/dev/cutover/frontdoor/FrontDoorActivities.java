package dev.cutover.frontdoor;

import dev.cutover.plan.FrontDoor;
import io.temporal.activity.ActivityInterface;

/** Points the public address at one box. Sets a desired state, so repeating it changes nothing. */
@ActivityInterface
public interface FrontDoorActivities {

  /** Fails if the provider cannot work at all (credentials, reachability), before anything moves. */
  FrontDoorResult check(FrontDoorRequest request);

  /**
   * Start of the freeze, before the app that serves stops: from now on requests wait for the app on the
   * request's side (the written plan's target for a move, its source for a rollback) instead of failing.
   * Only a front door that can hold does anything (caddy); the others return at once. Undone by pointing
   * at the other side.
   */
  FrontDoorResult hold(FrontDoorRequest request);

  /** {@code TARGET}: switch, releasing held requests. {@code SOURCE}: exactly as before the move. */
  FrontDoorResult pointAt(FrontDoorRequest request);

  enum Side {
    SOURCE,
    TARGET
  }

  record FrontDoorRequest(String app, FrontDoor frontDoor, Side side) {}

  record FrontDoorResult(String provider, Side side, String detail) {}
}
