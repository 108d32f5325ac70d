package dev.cutover.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.demo.Blackout;
import dev.cutover.demo.DemoReport;
import dev.cutover.demo.DemoWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One demo world per test, with the players and the one-writer monitor running from the start, and its
 * move driven through the command line: {@code @RegisterExtension final Scenario scenario = new Scenario();}
 * then {@link #start}. The world (clusters, Caddy, Temporal, workers, players) is closed after each test,
 * passed or failed. {@link #finish()} stops the players and returns what they saw, looked up on the live
 * database (the ledger); {@link #assertNothingLostAndOneWriter} is the check every scenario ends with.
 */
final class Scenario implements AfterEachCallback {

  static final Path TEMPLATE = Path.of("../examples/local-move.yaml");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ENOUGH_ACKNOWLEDGED = 50;

  DemoWorld world;
  Path plan;
  String address;

  /** The world, with the plan written from the example and {@code adjustPlan} applied, players playing. */
  Scenario start(DemoWorld.Options options, UnaryOperator<String> adjustPlan) throws Exception {
    return start(DemoWorld.create(options, line -> { }), adjustPlan);
  }

  /** {@link #start(DemoWorld.Options, UnaryOperator)} on a world made elsewhere (the network world). */
  Scenario start(DemoWorld made, UnaryOperator<String> adjustPlan) throws Exception {
    world = made;
    plan = world.writePlan(TEMPLATE);
    Files.writeString(plan, adjustPlan.apply(Files.readString(plan)));
    world.startPlayers();
    address = world.temporal().address();
    return this;
  }

  Scenario start(DemoWorld.Options options) throws Exception {
    return start(options, plan -> plan);
  }

  /** {@link #start}, then the worker, then the players acknowledged a few times: a move under load. */
  DemoWorld startUnderLoad(DemoWorld.Options options, UnaryOperator<String> adjustPlan) throws Exception {
    start(options, adjustPlan);
    world.startWorker();
    awaitPlayers();
    return world;
  }

  DemoWorld startUnderLoad(DemoWorld.Options options) throws Exception {
    return startUnderLoad(options, plan -> plan);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (world != null) {
      world.close();
      world = null;
    }
  }

  /** {@code cutover start PLAN --wait} in the background: its exit code and output once the move ends. */
  CompletableFuture<Cli> startMove() {
    assertNotNull(world, "start the scenario first");
    return CompletableFuture.supplyAsync(() -> Cli.run("start", plan.toString(), "--wait", "--address", address));
  }

  /** {@code cutover confirm}, which must be accepted; {@code extra} adds options such as {@code --by}. */
  Cli confirm(String... extra) {
    String[] args = new String[4 + extra.length];
    args[0] = "confirm";
    args[1] = DemoWorld.APP;
    System.arraycopy(extra, 0, args, 2, extra.length);
    args[2 + extra.length] = "--address";
    args[3 + extra.length] = address;
    Cli confirm = Cli.run(args);
    assertEquals(0, confirm.exitCode(), confirm.out() + confirm.err());
    return confirm;
  }

  /** The whole move: started, confirmed at the gate, waited for to its end (at most {@code seconds}). */
  Cli confirmedMove(long seconds) throws Exception {
    CompletableFuture<Cli> move = startMove();
    awaitGate();
    confirm();
    return move.get(seconds, TimeUnit.SECONDS);
  }

  Cli confirmedMove() throws Exception {
    return confirmedMove(120);
  }

  JsonNode status() throws Exception {
    Cli status = Cli.run("status", DemoWorld.APP, "--json", "--address", address);
    assertEquals(0, status.exitCode(), status.err());
    return JSON.readTree(status.out());
  }

  JsonNode awaitStatus(Predicate<JsonNode> condition, String what) throws Exception {
    long deadline = System.currentTimeMillis() + 120_000;
    String last = "";
    while (System.currentTimeMillis() < deadline) {
      Cli status = Cli.run("status", DemoWorld.APP, "--json", "--address", address);
      last = status.out() + status.err();
      if (status.exitCode() == 0) {
        JsonNode json = JSON.readTree(status.out());
        if (condition.test(json)) {
          return json;
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("the move never reached: " + what + "; last status: " + last);
  }

  JsonNode awaitGate() throws Exception {
    return awaitStatus(s -> s.path("waitingForConfirm").asBoolean(), "the confirm gate");
  }

  static boolean running(JsonNode status, String stepPrefix) {
    for (JsonNode s : status.path("steps")) {
      if (s.path("name").asText().startsWith(stepPrefix) && s.path("state").asText().equals("RUNNING")) {
        return true;
      }
    }
    return false;
  }

  /** Waits for the players to have been acknowledged a few times, so the move runs under load. */
  void awaitPlayers() throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (world.acknowledgedSoFar() < 20) {
      assertTrue(System.currentTimeMillis() < deadline, "the players were never acknowledged");
      Thread.sleep(20);
    }
  }

  DemoReport finish() throws Exception {
    JsonNode status = status();
    // A move that ends quickly (an abort at the gate) must still have run under load for the ledger to mean
    // anything: the players keep playing on the live box until they have been acknowledged enough times.
    long deadline = System.currentTimeMillis() + 30_000;
    while (world.acknowledgedSoFar() <= ENOUGH_ACKNOWLEDGED && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    return world.finish(status.path("outcome").asText(), Blackout.copyEnded(status),
        status.path("estimatedBlackoutMillis").isNumber() ? status.path("estimatedBlackoutMillis").asLong() : null);
  }

  /** Every service of the game runs on {@code live} and none on the other box. */
  void assertServicesRunOnlyOn(String live) {
    String other = live.equals("home") ? "arm" : "home";
    for (String service : DemoWorld.SERVICES) {
      assertTrue(world.isRunning(live + "-" + service), live + "-" + service);
      assertFalse(world.isRunning(other + "-" + service), other + "-" + service);
    }
  }

  static void assertNothingLostAndOneWriter(DemoReport report) {
    assertTrue(report.acknowledged() > ENOUGH_ACKNOWLEDGED, "the players kept playing: " + report);
    assertEquals(0, report.lost(), "acknowledged writes lost: " + report);
    assertEquals(report.acknowledged(), report.foundOnTarget(), report.toString());
    assertTrue(report.oneWriterSamples() > 20, "the monitor sampled throughout: " + report);
    assertEquals(0, report.oneWriterViolations(), "two boxes accepted writes at once: " + report);
  }
}
