package dev.cutover.e2e;

import static dev.cutover.e2e.Scenario.assertNothingLostAndOneWriter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.database.DatabaseActivities;
import dev.cutover.database.DatabaseActivitiesImpl;
import dev.cutover.demo.DemoReport;
import dev.cutover.demo.DemoWorld;
import dev.cutover.plan.Database;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.Ports;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Temporal service (`cutover dev-server`, which keeps moves in memory) is SIGKILLed at each point of a
 * move under player load, and with it every history; a new service is started on the same port and
 * `cutover recover PLAN` must finish or undo the lost move from what the databases recorded: 0 acknowledged
 * writes lost, one writer at every sampled instant, and the box that serves running everything.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
@Tag("slow")
class RecoverTest {

  /** Where the service dies, what the plan needs for that moment to last, and what recovery must end in. */
  enum KillPoint {
    AT_THE_GATE(1, s -> s.path("waitingForConfirm").asBoolean(), text -> text, false, 3, "home"),
    IN_THE_FREEZE(1, s -> Scenario.running(s, "stop writer slow-stopper on home"), text -> text.replace(
        "  writers:\n", "  writers:\n    - {name: slow-stopper, stop: [sleep, \"3\"], start: [\"true\"]}\n"), false,
        3, "home"),
    /** The worker dies with the service: nothing of the move survives but the databases. */
    IN_THE_COPY_WITH_THE_WORKER(20, s -> Scenario.running(s, "dump and restore"), text -> text, true, 3, "home"),
    /** Scale 60: the fingerprints in the freeze last seconds, so a status poll slowed by the load still sees them. */
    AT_THE_VERIFY_GATE(60, s -> s.path("phase").asText().equals("VERIFY"), text -> text, false, 3, "home"),
    AFTER_THE_SWITCH(1, s -> Scenario.running(s, "start job slow-starter on arm"), text -> text.replaceFirst(
        "(/services/arm-grader\"\\}\n)", "$1    - {name: slow-starter, stop: [\"true\"], start: [sleep, \"3\"]}\n"),
        false, 0, "arm"),
    IN_VERIFY_LIVE(1, s -> Scenario.running(s, "health at"), text -> text.replace("consecutive: 5", "consecutive: 40"),
        false, 0, "arm");

    final int scale;
    final Predicate<JsonNode> reached;
    final UnaryOperator<String> plan;
    final boolean workerToo;
    final int exitCode;
    final String serving;

    KillPoint(int scale, Predicate<JsonNode> reached, UnaryOperator<String> plan, boolean workerToo, int exitCode,
        String serving) {
      this.scale = scale;
      this.reached = reached;
      this.plan = plan;
      this.workerToo = workerToo;
      this.exitCode = exitCode;
      this.serving = serving;
    }
  }

  @TempDir Path logs;
  @RegisterExtension final Scenario scenario = new Scenario();
  private final List<LauncherProcess> processes = new ArrayList<>();

  @AfterEach
  void stopProcesses() throws InterruptedException {
    for (LauncherProcess p : processes) {
      p.kill();
    }
  }

  @ParameterizedTest
  @EnumSource(KillPoint.class)
  void aMoveWhoseServiceWasKilledIsFinishedOrUndoneByRecover(KillPoint point) throws Exception {
    // -Drecover.points=AFTER_THE_SWITCH,... runs only those (one point takes a minute or two).
    String only = System.getProperty("recover.points");
    org.junit.jupiter.api.Assumptions.assumeTrue(only == null || List.of(only.split(",")).contains(point.name()));
    scenario.start(DemoWorld.Options.forTests().withScale(point.scale), point.plan);
    int port = freePort();
    String address = "127.0.0.1:" + port;
    scenario.address = address;
    LauncherProcess service = launch(LauncherProcess.devServer(port, logs.resolve("service.log")));
    LauncherProcess worker = launch(LauncherProcess.worker(address, logs.resolve("worker.log")));
    scenario.awaitPlayers();
    assertEquals(0, Cli.run("start", scenario.plan.toString(), "--address", address).exitCode());
    scenario.awaitGate();
    if (point != KillPoint.AT_THE_GATE) {
      scenario.confirm();
    }
    scenario.awaitStatus(point.reached, point.name());

    service.kill();
    if (point.workerToo) {
      worker.kill();
    }
    launch(LauncherProcess.devServer(port, logs.resolve("service.log")));
    if (point.workerToo) {
      launch(LauncherProcess.worker(address, logs.resolve("worker.log")));
    }
    assertTrue(forgotten(address), "the new service knows no move of game");
    if (point == KillPoint.AFTER_THE_SWITCH) {
      // What lost 974 writes before the journal: a new move over the live target. Preflight refuses it now.
      Cli again = Cli.run("start", scenario.plan.toString(), "--wait", "--address", address);
      assertEquals(3, again.exitCode(), again.out() + again.err());
      assertTrue(again.out().contains("cutover recover"), again.out());
    }

    Cli recover = Cli.run("recover", scenario.plan.toString(), "--wait", "--address", address);

    assertEquals(point.exitCode, recover.exitCode(), recover.out() + recover.err());
    Histories.record(address, "cutover-game", "recover-" + point.name().toLowerCase().replace('_', '-'));
    assertTrue(recover.out().contains("recovered the lost move"), recover.out());
    DemoReport report = scenario.finish();
    assertNothingLostAndOneWriter(report);
    assertEquals(point.serving, report.liveBox(), report.toString());
    assertEquals(point.serving, scenario.world.servedBy());
    scenario.assertServicesRunOnlyOn(point.serving);
    assertNull(journal(scenario.world.home()), "the journal is cleared once the move is finished or undone");
    if (point.serving.equals("home")) {
      assertFalse(MoveEndToEndTest.targetExists(scenario.world), "the rolled-back copy is dropped");
    }
  }

  /** Polls until the new service answers (a client reconnects with backoff) and says it knows no move. */
  private static boolean forgotten(String address) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    String last = "";
    while (System.currentTimeMillis() < deadline) {
      Cli status = Cli.run("status", DemoWorld.APP, "--address", address);
      if (status.err().contains("no move of game is known")) {
        return true;
      }
      last = status.out() + status.err();
      Thread.sleep(200);
    }
    throw new AssertionError("the restarted service never answered: " + last);
  }

  private LauncherProcess launch(LauncherProcess process) {
    processes.add(process);
    return process;
  }

  private static DatabaseActivities.DatabaseInfo info(LocalCluster cluster) {
    return new DatabaseActivitiesImpl().inspect(new DatabaseActivities.InspectRequest("box",
        new Database(cluster.jdbcUrl(DemoWorld.DATABASE), LocalCluster.SUPERUSER, null, null)));
  }

  private static Object journal(LocalCluster cluster) {
    return info(cluster).journal();
  }

  private static int freePort() throws IOException {
    return Ports.free();
  }
}
