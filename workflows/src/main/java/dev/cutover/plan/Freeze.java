package dev.cutover.plan;

import java.time.Duration;

/**
 * The blackout's budget. {@code maxBlackout}: from the freeze's first change until the switch, the longest
 * the move may take; past it the move rolls back (the source serves again) instead of holding on. Set it
 * below the front door's hold (Caddy's is 30 s), so held requests are answered by the source, not failed.
 * Null: no budget.
 */
public record Freeze(Duration maxBlackout) {

  public static final Freeze NONE = new Freeze(null);
  public static final Duration LEAST = Duration.ofSeconds(1);
  public static final Duration MOST = Duration.ofHours(1);
}
