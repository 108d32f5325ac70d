package dev.cutover.plan;

import java.time.Duration;

/** The human gate: a move waiting longer than {@code staleAfter} flags itself stale. */
public record Confirm(Duration staleAfter) {

  public static final Confirm DEFAULT = new Confirm(Duration.ofHours(24));

  public Confirm {
    staleAfter = staleAfter == null ? Duration.ofHours(24) : staleAfter;
  }
}
