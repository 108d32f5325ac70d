package dev.cutover.live;

import dev.cutover.plan.Health;
import io.temporal.activity.ActivityInterface;

/** Proves the target is the one answering at the public URL. */
@ActivityInterface
public interface HealthActivities {

  /** Polls until {@code consecutive} healthy, identified responses in a row, or fails at the timeout. */
  LiveResult verifyLive(LiveRequest request);

  record LiveRequest(String targetBox, Health health) {}

  record LiveResult(int consecutiveOk, int requests, int failures, String lastProblem, long millis) {}
}
