package dev.cutover.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StickyQueuesTest {

  @Test
  void autoTurnsThemOffOnlyOnTheEmbeddedService() {
    assertTrue(TemporalConfiguration.stickyQueuesOff("auto", () -> true));
    assertFalse(TemporalConfiguration.stickyQueuesOff("auto", () -> false));
  }

  @Test
  void onAndOffAreObeyedWithoutAskingTheService() {
    assertFalse(TemporalConfiguration.stickyQueuesOff("on", () -> {
      throw new AssertionError("not asked");
    }));
    assertTrue(TemporalConfiguration.stickyQueuesOff(" OFF ", () -> false));
  }

  @Test
  void anythingElseIsRefusedByName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TemporalConfiguration.stickyQueuesOff("yes", () -> true));
    assertEquals("cutover.temporal.sticky-queues (CUTOVER_TEMPORAL_STICKY_QUEUES) is 'yes': use auto, on or off",
        e.getMessage());
  }
}
