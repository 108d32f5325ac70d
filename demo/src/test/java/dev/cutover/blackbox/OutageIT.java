package dev.cutover.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.blackbox.Shipped.Result;
import dev.cutover.blackbox.Shipped.Running;
import dev.cutover.demo.DemoWorld;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a person at a terminal does when a command is in the way, and what they read when Temporal goes
 * away under a command: Ctrl-C on `start --wait` and on `watch` leaves the move running and says so;
 * `abort` at the gate ends it with exit 3; the service killed under `watch` and `status` ends them with
 * exit 5 and the address; the worker's log says it once.
 */
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class OutageIT {

  private static final Duration QUICK = Duration.ofSeconds(90);
  private static final String GOES_ON = "stopped following the move of game; the move itself goes on.";

  @Test
  void ctrlCLeavesTheMoveRunningAndALostServiceEndsCommandsWithExitFive() throws Exception {
    // A build started in the background of a non-interactive shell (`mvn verify &`) ignores SIGINT, every child
    // inherits that, and an ignored signal cannot be restored: Ctrl-C could not reach the launcher at all.
    org.junit.jupiter.api.Assumptions.assumeFalse(sigintIgnored(),
        "SIGINT is ignored by this build's processes (started in the background?): run it in the foreground");
    try (DemoWorld world = DemoWorld.create(DemoWorld.Options.forTests(), line -> { });
        Services services = Services.start()) {
      Map<String, String> env = services.env();
      Path plan = world.writePlan(DemoWorld.planTemplate());

      // Ctrl-C in a shell sends SIGINT to the foreground process: the launcher's JVM (./cutover execs java).
      try (Running wait = Running.start(env, Shipped.argv("start", plan.toString(), "--wait"))) {
        wait.awaitOut("wait for confirm", Duration.ofMinutes(5));
        wait.signal("INT");
        int code = wait.waitFor(QUICK);
        assertEquals(130, code, "the shell's code for a command ended by Ctrl-C\n" + wait.out() + wait.err());
        assertTrue(wait.out().contains(GOES_ON), wait.out());
      }
      JsonNode gate = MoveIT.awaitStatus(env, s -> s.path("waitingForConfirm").asBoolean(), "the gate");
      assertTrue(gate.path("outcome").isNull(), "the move still runs after Ctrl-C: " + gate);

      // On a terminal Ctrl-C is a keystroke: the terminal turns it into SIGINT for the command.
      try (Running watch = Running.start(env, Shipped.terminal("watch", DemoWorld.APP))) {
        String redrawn = watch.awaitOut("wait for confirm", QUICK);
        assertTrue(redrawn.contains("\033[H\033[2J"), "on a terminal watch redraws in place");
        watch.type("\u0003");
        watch.waitFor(QUICK);
        assertTrue(watch.out().contains(GOES_ON), watch.out());
      }
      assertTrue(MoveIT.awaitStatus(env, s -> true, "a status").path("waitingForConfirm").asBoolean());

      // Abort at the gate: the command returns at once; the move compensates and ends ABORTED, exit 3.
      try (Running watch = Running.start(env, Shipped.argv("watch", DemoWorld.APP))) {
        Result abort = Shipped.run(env, QUICK, "abort", DemoWorld.APP, "--reason", "wrong day", "--by", "ops");
        assertEquals(0, abort.exitCode(), abort.toString());
        assertTrue(abort.out().startsWith("asked the move of game to abort (by ops: wrong day)"), abort.toString());
        Result aborted = watch.result(Duration.ofMinutes(3));
        assertEquals(3, aborted.exitCode(), aborted.toString());
        assertTrue(aborted.out().contains("ABORTED: aborted at the confirm gate by ops: wrong day"), aborted.toString());
      }
      assertTrue(world.acceptsWrites("home"), "the source serves after the abort");

      Result again = Shipped.run(env, QUICK, "start", plan.toString());
      assertEquals(0, again.exitCode(), again.toString());
      MoveIT.awaitStatus(env, s -> s.path("waitingForConfirm").asBoolean(), "the gate of the second move");

      try (Running watch = Running.start(env, Shipped.argv("watch", DemoWorld.APP))) {
        watch.awaitOut("wait for confirm", QUICK);
        int workerLogBefore = services.worker.out().length() + services.worker.err().length();
        services.temporal.signal("KILL");
        watch.awaitOut("(Temporal is not answering", QUICK);
        Result watched = watch.result(QUICK);
        assertEquals(5, watched.exitCode(), watched.toString());
        assertTrue(watched.err().contains("cutover: Temporal at " + services.address + " stopped answering"),
            watched.toString());
        assertTrue(watched.err().contains("keeps moves in memory only), run `cutover recover PLAN`"),
            watched.toString());

        Result status = Shipped.run(env, QUICK, "status", DemoWorld.APP);
        assertEquals(5, status.exitCode(), status.toString());
        assertTrue(status.err().contains("Temporal is not answering at " + services.address), status.toString());

        String workerLog = (services.worker.out() + services.worker.err()).substring(workerLogBefore);
        assertTrue(workerLog.contains("Temporal at " + services.address + " stopped answering"), workerLog);
        assertFalse(workerLog.contains("Failure in poller thread"), workerLog);
        assertTrue(workerLog.lines().count() < 10, "the worker said it once:\n" + workerLog);
        assertTrue(services.worker.alive(), "the worker rides the outage out");
      }
    }
  }

  /** Bit 2 (SIGINT) of this process's ignored-signals mask, which child processes inherit. */
  private static boolean sigintIgnored() throws java.io.IOException {
    java.nio.file.Path status = java.nio.file.Path.of("/proc/self/status");
    if (!java.nio.file.Files.exists(status)) {
      return false;
    }
    for (String line : java.nio.file.Files.readAllLines(status)) {
      if (line.startsWith("SigIgn:")) {
        return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << 1)) != 0;
      }
    }
    return false;
  }
}
