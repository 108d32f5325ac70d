package dev.cutover.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.blackbox.Shipped.Result;
import dev.cutover.blackbox.Shipped.Running;
import dev.cutover.demo.Blackout;
import dev.cutover.demo.DemoReport;
import dev.cutover.demo.DemoWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole move and its rollback driven the way an operator's shell drives them: `./cutover dev-server`
 * and `./cutover worker` as their own processes, then every command as a process of its own, read through
 * pipes and, for `status` and `watch`, on a terminal. The world (databases, apps, Caddy, players) is the
 * demo's, in this JVM; nothing of the product runs here.
 */
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class MoveIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration QUICK = Duration.ofSeconds(90);
  private static final Duration MOVE = Duration.ofMinutes(5);
  private static final String APP = DemoWorld.APP;

  @Test
  void aMoveAndItsRollbackThroughTheShippedCommands() throws Exception {
    try (DemoWorld world = DemoWorld.create(DemoWorld.Options.forTests(), line -> { });
        Services services = Services.start()) {
      Map<String, String> env = services.env();
      Path plan = world.writePlan(DemoWorld.planTemplate());
      world.startPlayers();

      Result started = Shipped.run(env, QUICK, "start", plan.toString(), "--by", "ops");
      assertEquals(0, started.exitCode(), started.toString());
      assertTrue(started.out().startsWith("started the move of game (home -> arm): workflow cutover-game, run "),
          started.toString());
      assertTrue(started.out().contains("follow it with `cutover watch game`"), started.toString());

      Result again = Shipped.run(env, QUICK, "start", plan.toString());
      assertEquals(2, again.exitCode(), again.toString());
      assertTrue(again.err().contains("a move of game is already running"), again.toString());

      try (Running watch = Running.start(env, Shipped.argv("watch", APP))) {
        JsonNode gate = awaitStatus(env, s -> s.path("waitingForConfirm").asBoolean(), "the confirm gate");
        assertEquals("CONFIRM", gate.path("phase").asText());

        // The bug this suite was built to catch: status printed nothing, in a pipe and on a terminal.
        Result piped = Shipped.run(env, QUICK, "status", APP);
        assertEquals(0, piped.exitCode(), piped.toString());
        assertTrue(piped.out().contains("wait for confirm"), piped.toString());
        assertTrue(piped.out().lines().anyMatch(l -> l.matches("estimated blackout: \\d+ ms \\(the source's last commit.*")),
            "the gate shows the estimate: " + piped);
        assertTrue(piped.out().endsWith("\n"), "the last line is whole");
        Result terminal = Shipped.onTerminal(env, QUICK, "status", APP);
        assertEquals(0, terminal.exitCode(), terminal.toString());
        assertTrue(terminal.out().contains("wait for confirm"), terminal.toString());

        Result confirmed = Shipped.run(env, QUICK, "confirm", APP, "--by", "ops");
        assertEquals(0, confirmed.exitCode(), confirmed.toString());
        assertTrue(confirmed.out().startsWith("confirmed the move of game as ops"), confirmed.toString());
        Result twice = Shipped.run(env, QUICK, "confirm", APP);
        assertEquals(2, twice.exitCode(), twice.toString());
        assertTrue(twice.err().contains("cannot confirm the move of game: the move was already confirmed by ops")
            || twice.err().contains("has already ended"), twice.toString());

        int watched = watch.waitFor(MOVE);
        String story = watch.out();
        assertEquals(0, watched, "watch exits with the outcome's code\n" + story + watch.err());
        assertTrue(story.contains("COMPLETED: moved game from home to arm"), story);
        assertTrue(story.lines().anyMatch(l -> l.matches("CONFIRM\\s+DONE\\s+wait for confirm — confirmed by ops.*")),
            story);
        assertOneLinePerChange(story);
      }

      Result report = Shipped.run(env, QUICK, "report", APP);
      assertEquals(0, report.exitCode(), report.toString());
      assertTrue(report.out().contains("COMPLETED"), report.toString());
      Result reportJson = Shipped.run(env, QUICK, "report", APP, "--format", "json");
      assertEquals(0, reportJson.exitCode(), reportJson.toString());
      JsonNode moved = JSON.readTree(reportJson.out());
      assertEquals("COMPLETED", moved.path("outcome").asText(), reportJson.out());
      Result statusAfter = Shipped.run(env, QUICK, "status", APP, "--json");
      assertEquals(0, statusAfter.exitCode(), statusAfter.toString());
      assertEquals("COMPLETED", JSON.readTree(statusAfter.out()).path("outcome").asText());
      Result shownAfter = Shipped.run(env, QUICK, "status", APP);
      assertTrue(shownAfter.out().lines().anyMatch(
              l -> l.matches("blackout: \\d+ ms, from the freeze to the flip \\(estimated before the freeze: \\d+ ms, .*\\)")),
          "the blackout beside its estimate: " + shownAfter);

      Result tooLate = Shipped.run(env, QUICK, "abort", APP);
      assertEquals(2, tooLate.exitCode(), tooLate.toString());
      assertTrue(tooLate.err().contains("has already ended"), tooLate.toString());

      // The players have written on arm since the switch, and home is the fenced fallback: they differ,
      // and the comparison ran on the running worker, not in the command's process.
      Result compared = Shipped.run(env, MOVE, "compare", plan.toString());
      assertEquals(1, compared.exitCode(), compared.toString());
      assertTrue(compared.out().contains("DIFFERS"), compared.toString());
      assertFalse(compared.err().contains("comparing in this process"), compared.toString());

      DemoReport forward = world.finish("COMPLETED", Blackout.copyEnded(JSON.readTree(statusAfter.out())), null);
      assertEquals(0, forward.lost(), forward.toString());
      assertEquals(0, forward.oneWriterViolations(), forward.toString());
      assertTrue(forward.acknowledged() > 20, forward.toString());

      Result back = Shipped.run(env, MOVE, "rollback", APP, "--wait", "--by", "ops");
      assertEquals(0, back.exitCode(), back.toString());
      assertTrue(back.out().contains("COMPLETED: moved game from arm to home"), back.toString());
      assertEquals("home", world.servedBy(), "the front door points at home again");
      assertTrue(world.acceptsWrites("home"), "home is the live writer again");
      assertFalse(world.acceptsWrites("arm"), "arm is fenced");
    }
  }

  /**
   * A logical move as the shipped commands run it: `start --wait` follows it in its own process, `confirm`
   * comes from another. Its freeze is the short one: the baselines were moved up to just before it, so the
   * re-check read only the changes of the last seconds, and the launcher's output says each of those steps.
   */
  @Test
  void aLogicalMoveMovesItsBaselinesUpBeforeTheFreeze(@TempDir Path dir) throws Exception {
    try (DemoWorld world = DemoWorld.create(DemoWorld.Options.forTests(), line -> { });
        Services services = Services.start()) {
      Map<String, String> env = services.env();
      Path template = dir.resolve("logical-move.yaml");
      String dumpRestore = "copy: {strategy: dump-restore, jobs: 2}";
      String text = Files.readString(DemoWorld.planTemplate());
      assertTrue(text.contains(dumpRestore), "the demo's plan names its copy as this test expects");
      Files.writeString(template, text.replace(dumpRestore, "copy: {strategy: logical, replicaIdentityFull: true}"));
      Path plan = world.writePlan(template);
      world.startPlayers();

      try (Running move = Running.start(env, Shipped.argv("start", plan.toString(), "--wait", "--by", "ops"))) {
        awaitStatus(env, s -> s.path("waitingForConfirm").asBoolean(), "the confirm gate");
        Result confirmed = Shipped.run(env, QUICK, "confirm", APP, "--by", "ops");
        assertEquals(0, confirmed.exitCode(), confirmed.toString());

        int exit = move.waitFor(MOVE);
        String out = move.out();
        assertEquals(0, exit, "start --wait exits with the outcome's code\n" + out + move.err());
        assertTrue(out.contains("COMPLETED: moved game from home to arm"), out);
        assertTrue(out.contains("fingerprint both sides before the freeze"), out);
        assertTrue(out.lines().anyMatch(l -> l.contains("move the fingerprints before the freeze up to now")
            && l.contains("changes read") && l.contains("carried to the freeze")), out);
        assertTrue(out.contains("move the change logs on past it"), out);
        assertTrue(out.contains("re-check what changed since the fingerprints before the freeze"), out);
      }

      Result status = Shipped.run(env, QUICK, "status", APP, "--json");
      assertEquals(0, status.exitCode(), status.toString());
      JsonNode json = JSON.readTree(status.out());
      assertEquals("COMPLETED", json.path("outcome").asText(), status.out());
      DemoReport report = world.finish("COMPLETED", Blackout.copyEnded(json), null);
      assertEquals(0, report.lost(), report.toString());
      assertEquals(0, report.oneWriterViolations(), report.toString());
      assertEquals(0, report.failedRequests(), report.failureSample().toString());
      assertEquals("arm", world.servedBy());
    }
  }

  /** Watch that is piped prints each step's line when it changes, never the same line twice in a row. */
  private static void assertOneLinePerChange(String story) {
    // Up to the first blank line: after it, watch prints the final status once, whole.
    List<String> lines = story.lines().takeWhile(l -> !l.isBlank()).toList();
    assertTrue(lines.size() > 10, "watch printed the steps as they went:\n" + story);
    for (int i = 1; i < lines.size(); i++) {
      assertNotEquals(lines.get(i - 1), lines.get(i), "repeated line " + i + " in:\n" + story);
    }
    assertFalse(story.contains("\033["), "no terminal escapes when piped");
  }

  static JsonNode awaitStatus(Map<String, String> env, Predicate<JsonNode> condition, String what) throws Exception {
    long deadline = System.nanoTime() + MOVE.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      Result status = Shipped.run(env, QUICK, "status", APP, "--json");
      last = status.toString();
      if (status.exitCode() == 0) {
        assertFalse(status.out().isBlank(), "status --json printed nothing: " + status);
        JsonNode json = JSON.readTree(status.out());
        if (condition.test(json)) {
          return json;
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the move never reached " + what + "; last status: " + last);
  }
}
