package dev.cutover.e2e;

import static dev.cutover.e2e.Scenario.assertNothingLostAndOneWriter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cutover.demo.DemoReport;
import dev.cutover.demo.DemoWorld;
import dev.cutover.network.NetworkWorld;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Moves across a network: each box in its own namespace, its database reached over a link with 40 ms round
 * trip from the mover ({@link NetworkWorld}), the players playing through the front door all along.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
@Tag("slow")
class NetworkEndToEndTest {

  private static final Duration ONE_WAY = Duration.ofMillis(20);

  @RegisterExtension final Scenario scenario = new Scenario();
  private NetworkWorld network;

  @BeforeEach
  void needsTheNetwork() {
    String why = NetworkWorld.unavailable();
    assumeTrue(why == null, why);
  }

  @AfterEach
  void removeTheNetwork() {
    if (network != null) {
      network.close();
    }
  }

  private void startAcrossTheNetwork(int scale, UnaryOperator<String> adjustPlan) throws Exception {
    network = NetworkWorld.create(DemoWorld.Options.forTests().withScale(scale), ONE_WAY, line -> { });
    scenario.start(network.world(), plan -> adjustPlan.apply(network.acrossTheLinks(plan)));
    scenario.world.startWorker();
    scenario.awaitPlayers();
  }

  @Test
  void aMoveBetweenBoxesOnALinkWithLatencyCompletesWithNothingLost() throws Exception {
    startAcrossTheNetwork(1, plan -> plan);
    String plan = Files.readString(scenario.plan);
    assertFalse(plan.contains("jdbc:postgresql://127.0.0.1"), plan);
    assertTrue(plan.contains("jdbc:postgresql://" + network.link("home").address() + "/game"), plan);
    assertTrue(plan.contains("jdbc:postgresql://" + network.link("arm").address() + "/game"), plan);
    Duration roundTrip = network.roundTrip("arm");
    assertTrue(roundTrip.toMillis() >= 40 && roundTrip.toMillis() < 200, "the link's round trip: " + roundTrip);

    long started = System.nanoTime();
    Cli finished = scenario.confirmedMove(300);
    long moveMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    DemoReport report = scenario.finish();
    System.out.println("network move: round trip " + roundTrip.toMillis() + " ms, move " + moveMillis
        + " ms, " + report);

    assertEquals(0, finished.exitCode(), finished.out() + finished.err());
    assertEquals("COMPLETED", report.outcome(), finished.out());
    assertEquals("arm", report.liveBox());
    assertNothingLostAndOneWriter(report);
    assertNotNull(report.blackoutMillis(), report.toString());
    assertTrue(report.blackoutMillis() > 0 && report.blackoutMillis() < 24_000, report.toString());
    assertTrue(network.link("home").accepted() > 0 && network.link("arm").accepted() > 0,
        "the mover reached both databases across their links");
    assertEquals("arm", scenario.world.servedBy());
  }
}
