package dev.cutover.frontdoor;

import dev.cutover.plan.FrontDoor;
import io.temporal.activity.ActivityInterface;

/** Points the public address at one box. Sets a desired state, so repeating it changes nothing. */
@ActivityInterface
public interface FrontDoorActivities {

  /** Fails if the provider cannot work at all (credentials, reachability), before anything moves. */
  FrontDoorResult check(FrontDoorRequest request);

  FrontDoorResult pointAt(FrontDoorRequest request);

  enum Side {
    SOURCE,
    TARGET
  }

  record FrontDoorRequest(String app, FrontDoor frontDoor, Side side) {}

  record FrontDoorResult(String provider, Side side, String detail) {}
}
