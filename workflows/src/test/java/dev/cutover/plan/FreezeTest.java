package dev.cutover.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which budget a freeze runs under: the plan's, or one derived from the front door's hold. */
class FreezeTest {

  private static final FrontDoor CADDY =
      new FrontDoor.Caddy(URI.create("http://127.0.0.1:2019"), "127.0.0.1:8081", "game", Duration.ofSeconds(30), null, null);

  @Test
  void withoutABudgetAHoldingDoorGivesEightyPercentOfItsHold() {
    assertEquals(Duration.ofSeconds(24), Freeze.NONE.budget(CADDY));
    FrontDoor shortHold = new FrontDoor.Caddy(URI.create("http://127.0.0.1:2019"), "127.0.0.1:8081", "game",
        Duration.ofMillis(2_500), null, null);
    assertEquals(Duration.ofMillis(2_000), Freeze.NONE.budget(shortHold));
  }

  @Test
  void thePlansBudgetWins() {
    assertEquals(Duration.ofSeconds(3), new Freeze(Duration.ofSeconds(3)).budget(CADDY));
    assertEquals(Duration.ofMinutes(2), new Freeze(Duration.ofMinutes(2)).budget(CADDY));
  }

  @Test
  void aDoorThatDoesNotHoldBoundsNothing() {
    assertNull(Freeze.NONE.budget(new FrontDoor.Command(List.of("flip"), List.of("flop"))));
  }
}
