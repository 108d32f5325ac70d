package dev.cutover.e2e;

import static dev.cutover.e2e.MoveEndToEndTest.assertAcceptsWrites;
import static dev.cutover.e2e.Scenario.assertNothingLostAndOneWriter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.database.CopyActivitiesImpl;
import dev.cutover.demo.DemoReport;
import dev.cutover.demo.DemoWorld;
import io.temporal.activity.Activity;
import io.temporal.client.ActivityCompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A freeze that runs past {@code freeze.maxBlackout}: the copy inside the freeze stalls (the database grew,
 * a disk slowed; here a copy that stops making progress on purpose), the budget's timer fires, and the move
 * rolls back on its own with the source serving again, nothing lost and never two writers.
 */
@Tag("slow")
class FreezeBudgetEndToEndTest {

  private static final long BUDGET_MILLIS = 3_000;
  private static final Pattern ELAPSED = Pattern.compile("\\): (\\d+) ms since it began");

  @RegisterExtension final Scenario scenario = new Scenario();

  @Test
  void aCopyThatOverrunsTheBudgetRollsBackWithTheSourceServingAndNothingLost() throws Exception {
    scenario.start(DemoWorld.Options.forTests(), plan -> plan + "\nfreeze: {maxBlackout: 3s}\n");
    DemoWorld world = scenario.world;
    StallingCopy copy = new StallingCopy();
    try (PlainWorker worker = new PlainWorker(scenario.address, copy)) {
      scenario.awaitPlayers();
      Cli finished = scenario.confirmedMove();
      JsonNode status = scenario.status();
      DemoReport report = scenario.finish();

      assertEquals(3, finished.exitCode(), finished.out() + finished.err());
      assertEquals("ROLLED_BACK", status.path("outcome").asText(), status.toString());
      assertEquals(BUDGET_MILLIS, status.path("freezeBudgetMillis").asLong(), "status --json names the budget");
      String summary = status.path("failure").asText();
      assertTrue(summary.contains("the freeze ran past its budget (freeze.maxBlackout 3s)"), summary);
      assertTrue(summary.contains("during 'dump and restore'"), "names the step that overran: " + summary);
      Matcher elapsed = ELAPSED.matcher(summary);
      assertTrue(elapsed.find(), summary);
      long millis = Long.parseLong(elapsed.group(1));
      assertTrue(millis >= BUDGET_MILLIS && millis < BUDGET_MILLIS + 2_000,
          "rolled back at the budget, not when the copy gave up: " + millis + " ms");

      assertNothingLostAndOneWriter(report);
      assertEquals("home", report.liveBox());
      scenario.assertServicesRunOnlyOn("home");
      assertEquals("home", world.servedBy());
      assertAcceptsWrites(world.home());
      assertEquals(2, copy.calls.get(), "the rehearsal copy, then the freeze's: not retried after the budget");
      awaitCancelled(copy);
      System.out.println("freeze budget overrun: rolled back " + millis + " ms into the freeze; requests held "
          + report.heldRequests() + ", failed " + report.failedRequests() + ", lost " + report.lost());
    }
  }

  /** The copy learns of the cancellation through its heartbeat, at the SDK's throttled pace. */
  private static void awaitCancelled(StallingCopy copy) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 30_000;
    while (!copy.cancelled.get()) {
      assertTrue(System.currentTimeMillis() < deadline, "the stalled copy was never told it was cancelled");
      Thread.sleep(50);
    }
  }

  /**
   * The real copy for the rehearsal; in the freeze, a copy that heartbeats but never finishes, until the
   * workflow cancels it (or a minute passes, so a broken test cannot hang).
   */
  static final class StallingCopy extends CopyActivitiesImpl {
    final AtomicInteger calls = new AtomicInteger();
    final AtomicBoolean cancelled = new AtomicBoolean();

    @Override
    public CopyResult copy(CopyRequest request) {
      if (calls.incrementAndGet() == 1) {
        return super.copy(request);
      }
      long deadline = System.currentTimeMillis() + 60_000;
      try {
        while (System.currentTimeMillis() < deadline) {
          Activity.getExecutionContext().heartbeat("stalled on purpose");
          Thread.sleep(200);
        }
      } catch (ActivityCompletionException e) {
        cancelled.set(true);
        throw e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return super.copy(request);
    }
  }
}
