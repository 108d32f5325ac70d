package dev.cutover.plan;

import java.time.Duration;

/**
 * The blackout's budget. {@code maxBlackout}: from the freeze's first change until the switch, the longest
 * the move may take; past it the move rolls back (the source serves again) instead of holding on. Set it
 * below the front door's hold (Caddy's is 30 s), so held requests are answered by the source, not failed.
 * Null: the budget {@link #budget derived} from the front door.
 */
public record Freeze(Duration maxBlackout) {

  public static final Freeze NONE = new Freeze(null);
  public static final Duration LEAST = Duration.ofSeconds(1);
  public static final Duration MOST = Duration.ofHours(1);
  /** The share of a front door's hold a freeze may use when the plan sets no budget. */
  static final double SHARE_OF_HOLD = 0.8;

  /**
   * The budget in force: {@code maxBlackout} when the plan sets one; otherwise 80 % of the hold of a front
   * door that holds requests (Caddy's {@code holdFor}), because past the hold the requests fail anyway and
   * a rollback that starts before it still has them waiting. Null when nothing bounds the freeze (a door
   * that does not hold: the blackout is the operator's to judge).
   */
  public Duration budget(FrontDoor door) {
    if (maxBlackout != null) {
      return maxBlackout;
    }
    if (door instanceof FrontDoor.Caddy caddy) {
      return Duration.ofMillis(Math.round(caddy.holdFor().toMillis() * SHARE_OF_HOLD));
    }
    return null;
  }
}
