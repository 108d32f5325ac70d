package dev.cutover.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.database.DatabaseActivities;
import dev.cutover.database.DatabaseActivitiesImpl;
import dev.cutover.database.LocalCluster;
import dev.cutover.demo.DemoWorld;
import dev.cutover.plan.Database;
import dev.cutover.plan.Verify;
import dev.cutover.verify.Comparisons;
import dev.cutover.verify.TableComparison;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker dies (SIGKILL) in the middle of a step; another worker is started; the move must finish
 * with identical databases. The step in flight is retried on the new worker once the heartbeat timeout
 * notices the dead one, and every step is idempotent, so the retry is safe.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class WorkerKillTest {

  private static final Path TEMPLATE = Path.of("../examples/local-move.yaml");

  @TempDir Path logs;
  private DemoWorld world;

  @AfterEach
  void tearDown() {
    if (world != null) {
      world.close();
    }
  }

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

  private void moveKillingTheWorkerDuring(int scale, String step, java.util.function.UnaryOperator<String> adjust)
      throws Exception {
    world = DemoWorld.create(scale, line -> {});
    Path plan = world.writePlan(TEMPLATE);
    Files.writeString(plan, adjust.apply(Files.readString(plan)));
    String address = world.temporal().address();
    WorkerProcess first = WorkerProcess.start(address, logs.resolve("worker-1.log"));
    try {
      assertEquals(0, Cli.run("start", plan.toString(), "--address", address).exitCode());
      awaitStatus(address, s -> s.path("waitingForConfirm").asBoolean());
      assertEquals(0, Cli.run("confirm", DemoWorld.APP, "--address", address).exitCode());
      awaitStatus(address, s -> running(s, step));
    } finally {
      first.kill();
    }
    try (WorkerProcess second = WorkerProcess.start(address, logs.resolve("worker-2.log"))) {
      Cli watch = Cli.run("watch", DemoWorld.APP, "--address", address);

      assertEquals(0, watch.exitCode(), watch.out() + watch.err());
      List<TableComparison> tables = Comparisons.compare(fingerprint(world.home()), fingerprint(world.arm()));
      assertTrue(Comparisons.allMatch(tables), tables.toString());
      assertEquals("arm", world.servedBy());
    }
  }

  private static boolean running(JsonNode status, String step) {
    for (JsonNode s : status.path("steps")) {
      if (s.path("name").asText().startsWith(step) && s.path("state").asText().equals("RUNNING")) {
        return true;
      }
    }
    return false;
  }

  private static void awaitStatus(String address, java.util.function.Predicate<JsonNode> condition) throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    while (System.currentTimeMillis() < deadline) {
      Cli status = Cli.run("status", DemoWorld.APP, "--json", "--address", address);
      if (status.exitCode() == 0 && condition.test(new ObjectMapper().readTree(status.out()))) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the move never reached the expected state");
  }

  private static dev.cutover.verify.DatabaseFingerprint fingerprint(LocalCluster cluster) {
    return new DatabaseActivitiesImpl().fingerprint(new DatabaseActivities.FingerprintRequest(cluster.name(),
        new Database(cluster.jdbcUrl(DemoWorld.DATABASE), LocalCluster.SUPERUSER, null, null), Verify.ALL));
  }
}
