package dev.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StatusViewTest {

  @Test
  void beforeTheFreezeOnlyTheEstimateIsShownAndSaysWhatItCounts() {
    String line = StatusView.blackout(360L, null);
    assertTrue(line.startsWith("estimated blackout: 360 ms (the source's last commit to the target's first; "), line);
    assertTrue(line.contains("the freeze's other steps"), line);
  }

  @Test
  void afterTheFreezeTheMeasuredBlackoutStandsBesideTheEstimateEachSayingItsSpan() {
    assertEquals("blackout: 450 ms, from the freeze to the flip (estimated before the freeze: 360 ms, from the"
        + " source's last commit to the target's first)\n", StatusView.blackout(360L, 450L));
  }

  @Test
  void aMoveWithoutAnEstimateShowsTheBlackoutAlone() {
    assertEquals("blackout: 450 ms, from the freeze to the flip\n", StatusView.blackout(null, 450L));
    assertEquals("", StatusView.blackout(null, null));
  }

  @Test
  void whileFrozenTheElapsedTimeStandsAgainstTheBudget() {
    assertEquals("frozen for 1500 ms of its 24000 ms budget (a copy or verify still running past it rolls the move"
        + " back)\n", StatusView.frozen(10_000L, 24_000L, 11_500L));
    assertEquals("frozen for 1500 ms (no budget: set freeze.maxBlackout to roll back a copy that runs long)\n",
        StatusView.frozen(10_000L, null, 11_500L));
  }
}
