package dev.cutover.e2e;

import static dev.cutover.e2e.Scenario.assertNothingLostAndOneWriter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.demo.DemoReport;
import dev.cutover.demo.DemoWorld;
import dev.cutover.verify.Comparisons;
import dev.cutover.verify.TableComparison;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker dies (SIGKILL) in the middle of a step while the players play; another worker is started;
 * the move must finish with identical databases and every acknowledged write on arm. The step in flight
 * is retried on the new worker once the heartbeat timeout notices the dead one, and every step is
 * idempotent, so the retry is safe.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
@Tag("slow")
class WorkerKillTest {

  @TempDir Path logs;
  @RegisterExtension final Scenario scenario = new Scenario();

  @Test
  void aWorkerKilledDuringTheCopyIsReplacedAndTheMoveCompletes() throws Exception {
    // Enough rows that the copy takes seconds, so the kill lands inside it.
    moveKillingTheWorkerDuring(150, "dump and restore", text -> text);
  }

  @Test
  void aWorkerKilledDuringTheFreezeIsReplacedAndTheMoveCompletes() throws Exception {
    moveKillingTheWorkerDuring(1, "stop writer slow-stopper on home", text -> text.replace("  writers:\n",
        "  writers:\n    - {name: slow-stopper, stop: [sleep, \"3\"], start: [\"true\"]}\n"));
  }

  @Test
  void aWorkerKilledDuringVerifyLiveIsReplacedAndTheMoveCompletes() throws Exception {
    moveKillingTheWorkerDuring(1, "health at", text -> text.replace("consecutive: 5", "consecutive: 40"));
  }

  private void moveKillingTheWorkerDuring(int scale, String step, UnaryOperator<String> adjust) throws Exception {
    // A replaced worker costs the freeze a heartbeat timeout or more: past the default budget (80 % of Caddy's
    // hold) the move would roll back instead of completing, which is not what these tests are about.
    scenario.start(DemoWorld.Options.forTests().withScale(scale),
        text -> adjust.apply(text) + "\nfreeze: {maxBlackout: 5m}\n");
    String address = scenario.address;
    LauncherProcess first = LauncherProcess.worker(address, logs.resolve("worker-1.log"));
    try {
      scenario.awaitPlayers();
      assertEquals(0, Cli.run("start", scenario.plan.toString(), "--address", address).exitCode());
      scenario.awaitGate();
      scenario.confirm();
      scenario.awaitStatus(s -> Scenario.running(s, step), "step '" + step + "' running");
    } finally {
      first.kill();
    }
    try (LauncherProcess second = LauncherProcess.worker(address, logs.resolve("worker-2.log"))) {
      Cli watch = Cli.run("watch", DemoWorld.APP, "--address", address);
      DemoReport report = scenario.finish();

      assertEquals(0, watch.exitCode(), watch.out() + watch.err());
      assertNothingLostAndOneWriter(report);
      assertEquals("arm", report.liveBox());
      List<TableComparison> tables = MoveEndToEndTest.compareNow(scenario.world);
      // arm has been live since the switch: compare the tables only home could have written.
      assertTrue(tables.stream().filter(t -> t.table().equals("public.matches")).allMatch(TableComparison::matches)
          || Comparisons.allMatch(tables), tables.toString());
      assertEquals("arm", scenario.world.servedBy());
    }
  }
}
