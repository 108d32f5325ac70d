package dev.cutover.e2e;

import static dev.cutover.e2e.MoveEndToEndTest.assertAcceptsWrites;
import static dev.cutover.e2e.Scenario.assertNothingLostAndOneWriter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.demo.DemoReport;
import dev.cutover.demo.DemoWorld;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An app whose boot takes seconds (a Rails app: 14 s of a 21.8 s blackout in "start app on arm"), moved with
 * {@code logical} and {@code target.app.bootsReadOnly}: arm's app boots after the confirm, against its fenced
 * database, before the freeze, so the boot is not part of the blackout. The blackout here also holds the
 * stand-in edge's propagation (2 s in the test world) after the flip.
 */
@Tag("slow")
class StartAheadEndToEndTest {

  private static final Duration BOOT = Duration.ofSeconds(10);

  @RegisterExtension final Scenario scenario = new Scenario();

  @Test
  void anAppThatBootsForTenSecondsStartsBeforeTheFreezeAndTheBlackoutIsShorterThanItsBoot() throws Exception {
    DemoWorld world = startWorld(true);
    CompletableFuture<Cli> move = scenario.startMove();

    JsonNode gate = scenario.awaitGate();
    assertTrue(gate.path("findings").toString().contains("starts before the freeze"), gate.path("findings").toString());
    assertFalse(world.isRunning("arm-app"), "nothing starts on arm before the confirm");
    scenario.confirm();

    Cli finished = move.get(3, TimeUnit.MINUTES);
    assertEquals(0, finished.exitCode(), finished.out() + finished.err());
    Histories.record(scenario.address, "cutover-game", "start-app-ahead");
    JsonNode status = scenario.status();
    JsonNode aheadStart = step(status, "SETTLE", "start app on arm");
    JsonNode fence = step(status, "FREEZE", "fence source database");
    assertNotNull(aheadStart, status.toString());
    assertNotNull(fence, status.toString());
    assertEquals("DONE", aheadStart.path("state").asText(), aheadStart.toString());
    assertTrue(aheadStart.path("endedAt").asLong() <= fence.path("startedAt").asLong(),
        "arm's app was up before the source was fenced: " + aheadStart + " / " + fence);
    assertTrue(aheadStart.path("endedAt").asLong() - aheadStart.path("startedAt").asLong() >= BOOT.toMillis(),
        "the start waited for the whole boot: " + aheadStart);
    JsonNode inSwitch = step(status, "SWITCH", "start app on arm");
    assertNotNull(inSwitch, status.toString());
    assertEquals("SKIPPED", inSwitch.path("state").asText(), inSwitch.toString());

    long freeze = finish(world);
    assertTrue(freeze < BOOT.toMillis(), "the boot is not in the freeze: " + freeze + " ms against a boot of "
        + BOOT.toMillis());
  }

  /** The control: the same app and move without {@code bootsReadOnly} has the whole boot in its blackout. */
  @Test
  void withoutBootsReadOnlyTheBootIsInsideTheBlackout() throws Exception {
    DemoWorld world = startWorld(false);
    Cli finished = scenario.confirmedMove(180);
    assertEquals(0, finished.exitCode(), finished.out() + finished.err());

    long freeze = finish(world);
    assertTrue(freeze >= BOOT.toMillis(), "the boot is in the freeze: " + freeze + " ms against a boot of "
        + BOOT.toMillis());
  }

  private DemoWorld startWorld(boolean bootsReadOnly) throws Exception {
    // Behind the Cloudflare stand-in: Caddy's hold is the target refusing connections, so it cannot start ahead.
    return scenario.startUnderLoad(DemoWorld.Options.forTests().withAppBoot(BOOT)
            .withFrontDoor(DemoWorld.FrontDoorKind.CLOUDFLARE, false), plan -> {
          String logical = plan.replace(
              "copy: {strategy: dump-restore, jobs: 2}", "copy: {strategy: logical, replicaIdentityFull: true}");
          return bootsReadOnly ? DemoWorld.withAppStartedAhead(logical) : logical;
        });
  }

  /**
   * Nothing lost, one writer, arm live and writing (no hold at this front door, so requests in the freeze
   * fail); returns the freeze as the workflow timed it, from the freeze to the front door's flip. The
   * databases' blackout (last source commit to first target commit) does not show an app's boot: arm's
   * nightly writer starts beside the app and commits first.
   */
  private long finish(DemoWorld world) throws Exception {
    JsonNode status = scenario.status();
    long freeze = status.path("blackoutEndedAt").asLong() - status.path("blackoutStartedAt").asLong();
    DemoReport report = scenario.finish();
    System.out.println("app boot " + BOOT.toMillis() + " ms: freeze to flip " + freeze + " ms, database blackout "
        + report.blackoutMillis() + " ms, " + report.failedRequests() + " failed requests");
    assertNothingLostAndOneWriter(report);
    assertEquals("arm", report.liveBox());
    assertNotNull(report.blackoutMillis(), report.toString());
    assertAcceptsWrites(world.arm());
    assertTrue(status.path("blackoutEndedAt").isNumber(), status.toString());
    return freeze;
  }

  private static JsonNode step(JsonNode status, String phase, String name) {
    for (JsonNode s : status.path("steps")) {
      if (s.path("phase").asText().equals(phase) && s.path("name").asText().equals(name)) {
        return s;
      }
    }
    return null;
  }
}
