package dev.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StatusViewTest {

  @Test
  void beforeTheFreezeOnlyTheEstimateIsShownAndSaysWhatItCounts() {
    String line = StatusView.blackout(360L, null);
    assertTrue(line.startsWith("estimated blackout: 360 ms (before the freeze: "), line);
    assertTrue(line.contains("the freeze's other steps"), line);
  }

  @Test
  void afterTheFreezeTheMeasuredBlackoutStandsBesideTheEstimate() {
    assertEquals("blackout: 450 ms (estimated 360 ms before the freeze: -20 %)\n", StatusView.blackout(360L, 450L));
    assertEquals("blackout: 282 ms (estimated 376 ms before the freeze: +33 %)\n", StatusView.blackout(376L, 282L));
  }

  @Test
  void aMoveWithoutAnEstimateShowsTheBlackoutAlone() {
    assertEquals("blackout: 450 ms\n", StatusView.blackout(null, 450L));
    assertEquals("", StatusView.blackout(null, null));
  }
}
