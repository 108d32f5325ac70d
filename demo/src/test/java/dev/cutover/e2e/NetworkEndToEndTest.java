package dev.cutover.e2e;

import static dev.cutover.e2e.Scenario.assertNothingLostAndOneWriter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.demo.DemoReport;
import dev.cutover.demo.DemoWorld;
import dev.cutover.demo.NetworkWorld;
import dev.cutover.demo.Relay;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Moves across a network: each box in its own namespace, its database reached over a link with 40 ms round
 * trip from the mover ({@link NetworkWorld}), the players playing through the front door all along. The plain
 * move across it is the shipped `./cutover demo --network` (NetworkDemoIT); these are its faults.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
@Tag("slow")
class NetworkEndToEndTest {

  /** Each way on every link; {@code -Dcutover.network.oneWayMillis=0} gives the same world without latency. */
  private static final Duration ONE_WAY = Duration.ofMillis(Long.getLong("cutover.network.oneWayMillis", 20));

  @TempDir Path logs;
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
    // At 40 ms the demo's freeze takes 19-24 s on this machine, at the edge of the default budget (80 % of
    // Caddy's 30 s hold, 24 s): past it a move rolls back, which is not what these tests are about.
    scenario.start(network.world(),
        plan -> adjustPlan.apply(network.acrossTheLinks(plan)) + "\nfreeze: {maxBlackout: 5m}\n");
    scenario.world.startWorker();
    scenario.awaitPlayers();
  }

  @Test
  void theLinkToTheTargetDroppedDuringTheCopyAndRestoredStillCompletes() throws Exception {
    startAcrossTheNetwork(1, plan -> plan);
    CompletableFuture<Cli> move = scenario.startMove();
    scenario.awaitStatus(s -> Scenario.running(s, "rehearsal copy"), "the rehearsal copy running");
    Relay arm = network.link("arm");
    arm.cut();
    JsonNode down;
    try {
      down = awaitRetrying("the copy retried with the link to arm down");
      assertTrue(arm.refused() > 0, "the mover tried arm while its link was down");
    } finally {
      arm.restore();
    }
    scenario.awaitGate();
    scenario.confirm();
    Cli finished = move.get(300, TimeUnit.SECONDS);
    DemoReport report = scenario.finish();
    System.out.println("target link cut during the copy: status said " + retrying(down) + "; refused "
        + arm.refused() + "; " + report);

    assertEquals(0, finished.exitCode(), finished.out() + finished.err());
    assertEquals("COMPLETED", report.outcome(), finished.out());
    assertEquals("arm", report.liveBox());
    assertNothingLostAndOneWriter(report);
    assertEquals("arm", scenario.world.servedBy());
  }

  @Test
  void theLinkToTheSourceDroppedDuringTheFreezeNeverSwitchesWhileItIsDown() throws Exception {
    startAcrossTheNetwork(1, plan -> plan);
    CompletableFuture<Cli> move = scenario.startMove();
    scenario.awaitGate();
    scenario.confirm();
    scenario.awaitStatus(s -> s.path("phase").asText().equals("FREEZE"), "the freeze");
    Relay home = network.link("home");
    home.cut();
    JsonNode down;
    int samplesWhileDown = 0;
    try {
      down = awaitRetrying("a step on home retried with its link down");
      // While the source cannot be reached its fence cannot be proven: arm must stay fenced, the move unswitched.
      long until = System.currentTimeMillis() + 3_000;
      while (System.currentTimeMillis() < until) {
        JsonNode status = scenario.status();
        assertFalse(Set.of("SWITCH", "VERIFY_LIVE", "REPORT").contains(status.path("phase").asText()),
            "switched with the link to the source down: " + status);
        assertFalse(scenario.world.acceptsWrites("arm"), "arm took writes with the link to home down");
        samplesWhileDown++;
      }
    } finally {
      home.restore();
    }
    Instant restored = Instant.now();
    Cli finished = move.get(300, TimeUnit.SECONDS);
    JsonNode status = scenario.status();
    DemoReport report = scenario.finish();
    System.out.println("source link cut during the freeze: status said " + retrying(down) + "; "
        + samplesWhileDown + " samples while down; ended " + report.outcome() + " (" + status.path("failure").asText()
        + "); " + report);

    assertTrue(samplesWhileDown > 3, "watched while the link was down");
    assertNothingLostAndOneWriter(report);
    if (report.outcome().equals("COMPLETED")) {
      assertEquals(0, finished.exitCode(), finished.out() + finished.err());
      assertEquals("arm", report.liveBox());
      assertTrue(Instant.parse(report.firstTargetCommit()).isAfter(restored),
          "arm's first write came after the link returned at " + restored + ": " + report);
    } else {
      assertEquals("ROLLED_BACK", report.outcome(), finished.out() + finished.err());
      assertEquals("home", report.liveBox());
      assertFalse(status.path("failure").asText().isEmpty(), "status says why it rolled back: " + status);
    }
  }

  @Test
  void theFrontDoorUnreachableAtTheFlipIsRetriedUntilItAnswersAndTheMoveCompletes() throws Exception {
    startAcrossTheNetwork(1, plan -> plan);
    Relay door = network.doorLink();
    assertTrue(Files.readString(scenario.plan).contains("adminUrl: \"http://" + door.address() + "\""));
    CompletableFuture<Cli> move = scenario.startMove();
    scenario.awaitGate();
    scenario.confirm();
    // Cut once the requests are held and the copy runs: the next call to the door is the flip.
    scenario.awaitStatus(s -> s.path("phase").asText().equals("COPY"), "the final copy");
    door.cut();
    JsonNode down;
    try {
      down = awaitRetrying("the flip retried with the front door unreachable");
      JsonNode status = scenario.status();
      assertEquals("SWITCH", status.path("phase").asText(), status.toString());
      assertEquals("arm", liveOnly(), "arm is the one writer while the door cannot be flipped");
    } finally {
      door.restore();
    }
    Cli finished = move.get(300, TimeUnit.SECONDS);
    DemoReport report = scenario.finish();
    System.out.println("front door unreachable at the flip: status said " + retrying(down) + "; refused "
        + door.refused() + "; " + report);

    assertTrue(door.refused() > 0, "the mover tried the door while its link was down");
    assertEquals(0, finished.exitCode(), finished.out() + finished.err());
    assertEquals("COMPLETED", report.outcome(), finished.out());
    assertEquals("arm", report.liveBox());
    assertNothingLostAndOneWriter(report);
    assertEquals("arm", scenario.world.servedBy());
  }

  @Test
  void aBoxWorkerGoneAtTheSwitchIsWaitedForAndTheMoveCompletesWhenItIsBack() throws Exception {
    // A writer on arm whose start takes 3 s, so the worker's death lands inside the switch's starts.
    startAcrossTheNetwork(1, plan -> {
      try {
        return network.withBoxWorkers(plan).replaceFirst("(?s)(target:.*?  writers:\n)",
            "$1    - {name: slow-starter, stop: [\"true\"], start: [sleep, \"3\"]}\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    String plan = Files.readString(scenario.plan);
    assertTrue(plan.contains("host: {exec: worker, taskQueue: cutover-home}")
        && plan.contains("host: {exec: worker, taskQueue: cutover-arm}"), plan);
    assertFalse(plan.contains("http://127.0.0.1"), "every box command reaches the mover's services across: " + plan);
    try (LauncherProcess home = boxWorker("home");
        LauncherProcess firstArm = boxWorker("arm")) {
      CompletableFuture<Cli> move = scenario.startMove();
      scenario.awaitGate();
      scenario.confirm();
      scenario.awaitStatus(s -> s.path("phase").asText().equals("SWITCH") && Scenario.running(s, "start"),
          "the switch starting arm's services");
      firstArm.kill();
      JsonNode waiting = scenario.awaitStatus(s -> retrying(s) != null
          && retrying(s).path("lastFailure").asText().contains("stopped answering"),
          "a command on arm timed out with its worker gone, waiting for another");
      // With no worker on arm the switch waits, and arm's database (unfenced at the switch's start) is the one writer.
      long until = System.currentTimeMillis() + 3_000;
      int samples = 0;
      while (System.currentTimeMillis() < until) {
        assertEquals("SWITCH", scenario.status().path("phase").asText());
        assertEquals("arm", liveOnly());
        samples++;
      }
      try (LauncherProcess secondArm = boxWorker("arm")) {
        Cli finished = move.get(300, TimeUnit.SECONDS);
        DemoReport report = scenario.finish();
        System.out.println("box worker gone at the switch: status said " + retrying(waiting) + "; " + samples
            + " samples while gone; " + report);

        assertTrue(samples > 3, "watched while the worker was gone");
        assertEquals(0, finished.exitCode(), finished.out() + finished.err());
        assertEquals("COMPLETED", report.outcome(), finished.out());
        assertEquals("arm", report.liveBox());
        assertNothingLostAndOneWriter(report);
        assertEquals("arm", scenario.world.servedBy());
        assertTrue(Files.readString(logs.resolve("worker-home-1.log")).contains("task queue cutover-home"),
            "home's worker ran home's commands");
      }
    }
  }

  private int boxWorkers;

  private LauncherProcess boxWorker(String box) throws Exception {
    return LauncherProcess.boxWorker(network.namespace(box), network.temporalFor(box), NetworkWorld.hostQueue(box),
        logs.resolve("worker-" + box + "-" + ++boxWorkers + ".log"));
  }

  /** The one box whose database takes writes now. */
  private String liveOnly() {
    List<String> live = DemoWorld.BOXES.stream().filter(scenario.world::acceptsWrites).toList();
    assertEquals(1, live.size(), "boxes taking writes: " + live);
    return live.get(0);
  }

  /** Status until an activity is on its second attempt or later, having failed: the move noticed the fault. */
  private JsonNode awaitRetrying(String what) throws Exception {
    return scenario.awaitStatus(s -> retrying(s) != null, what);
  }

  private static JsonNode retrying(JsonNode status) {
    for (JsonNode a : status.path("pendingActivities")) {
      if (a.path("attempt").asInt() >= 2 && !a.path("lastFailure").asText().isEmpty()) {
        return a;
      }
    }
    return null;
  }
}
