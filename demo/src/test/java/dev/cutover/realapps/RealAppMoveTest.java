package dev.cutover.realapps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.demo.OneWriterMonitor;
import dev.cutover.e2e.Cli;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Moves of real applications from Debian's packages (see {@code scripts/prerequisites}), each
 * connecting as its own role that owns its schema, under writes through a real Caddy and a pgbench writer
 * the plan lists, driven only through the command line and the plan file like a user would. Each ends
 * with every acknowledged write and every logged pgbench transaction on the target, the app on the target
 * serving reads and writes, the old database refusing writes, and never two writers at one instant.
 * Each move's blackout and its steps are appended to {@code target/realapps-moves.md}.
 */
@Tag("slow")
@Timeout(value = 12, unit = TimeUnit.MINUTES)
class RealAppMoveTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DUMP_RESTORE = "{strategy: dump-restore, jobs: 2, owner: keep}";
  // MediaWiki has tables without a primary key: their updates replicate only with REPLICA IDENTITY FULL.
  private static final String LOGICAL = "{strategy: logical, owner: keep, replicaIdentityFull: true}";

  private AppWorld world;
  private String name;

  @AfterEach
  void tearDown() {
    if (world != null) {
      world.keepLogs(Path.of("target/realapps-logs", name));
      world.close();
    }
  }

  @Test
  void redmineMovesWithDumpRestore() throws Exception {
    move(Redmine::new, DUMP_RESTORE, 5);
  }

  @Test
  void redmineMovesWithLogicalReplication() throws Exception {
    move(Redmine::new, LOGICAL, 5);
  }

  @Test
  void mediawikiMovesWithDumpRestore() throws Exception {
    move(MediaWiki::new, DUMP_RESTORE, 8);
  }

  @Test
  void mediawikiMovesWithLogicalReplication() throws Exception {
    move(MediaWiki::new, LOGICAL, 8);
  }

  private void move(Supplier<RealApp> which, String copy, double writesPerSecond) throws Exception {
    long began = System.nanoTime();
    RealApp made = which.get();
    name = made.name() + (copy.contains("logical") ? "-logical" : "-dump-restore");
    world = AppWorld.create(made);
    RealApp app = world.app();
    Path plan = world.writePlan(copy);
    String address = world.temporalAddress();
    world.startWorker();
    world.startLoad(4, writesPerSecond);
    awaitAcknowledged(10);
    Cli valid = Cli.run("validate", plan.toString());
    assertEquals(0, valid.exitCode(), valid.out() + valid.err());

    CompletableFuture<Cli> move = CompletableFuture.supplyAsync(
        () -> Cli.run("start", plan.toString(), "--wait", "--address", address));
    awaitStatus(app.name(), address, s -> s.path("waitingForConfirm").asBoolean(), "the confirm gate", move);
    assertTrue(world.isRunning("home-app"), "nothing stops before the confirm");
    Cli confirm = Cli.run("confirm", app.name(), "--by", "tester", "--address", address);
    assertEquals(0, confirm.exitCode(), confirm.out() + confirm.err());
    Cli finished;
    try {
      finished = move.get(8, TimeUnit.MINUTES);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the move did not end within 8 minutes; its status: "
          + Cli.run("status", app.name(), "--address", address).out());
    }
    JsonNode status = status(app.name(), address);
    long movedAt = System.nanoTime();
    System.out.println("[" + app.name() + " " + copy + "] " + finished.out() + finished.err());

    // The app on the new box serves a write and its read-back through the front door, with the load still on.
    RealApp.Client after = app.client(world.publicUrl());
    RealApp.Ack written = after.write(1_000_000);
    String servedBy = after.readBack(written);
    awaitAcknowledgedAfterMove(5);
    Load.Result load = world.stopLoad();
    OneWriterMonitor.Result watched = world.stopMonitor();
    // Writers stop between batches, so every log is complete before it is read.
    world.pgbench("home").stop();
    world.pgbench("arm").stop();
    List<Pgbench.Tx> logged = Pgbench.logged(world.dir());

    MoveRecord record;
    try (Connection source = world.connect("home"); Connection target = world.connect("arm")) {
      record = MoveRecord.of(app.name(), copy, status, source, target, app.schema(),
          world.appProcess("arm").lastBootMillis());
    }
    record.append(Path.of("target/realapps-moves.md"));
    System.out.println(record.markdown());
    System.out.println("[" + app.name() + " " + copy + "] install " + world.installMillis() + " ms; load sent "
        + load.sent() + ", acknowledged " + load.acknowledged().size() + ", failed " + load.failed() + ", held "
        + load.held() + ", slowest " + load.slowestMillis() + " ms, longest gap between acknowledgements "
        + load.longestGapMillis() + " ms; pgbench logged " + logged.size()
        + "; monitor " + watched.samples() + " samples, as writer " + watched.samplesAsWriter()
        + "; failures " + load.failures() + "; test took " + (System.nanoTime() - began) / 1_000_000 + " ms (move "
        + (movedAt - began) / 1_000_000 + " ms into it)");

    assertEquals(0, finished.exitCode(), finished.out() + finished.err());
    assertEquals("COMPLETED", status.path("outcome").asText(), status.toString());
    assertEquals("arm", servedBy, "the write after the move was read back from arm");
    try (Connection source = world.connect("home")) {
      // The lookup can fail, and it does for a write the old box never saw.
      assertEquals(List.of(written), app.missing(source, List.of(written)), "the write after the move is not on home");
    }
    try (Connection target = world.connect("arm")) {
      assertEquals(List.of(), app.missing(target, List.of(written)));
      assertTrue(load.acknowledged().size() > 20, "the users kept writing: " + load.acknowledged().size());
      assertEquals(List.of(), app.missing(target, load.acknowledged()), "acknowledged writes missing on arm");
      assertTrue(logged.stream().anyMatch(t -> t.run() > 0), "pgbench logged transactions");
      assertEquals(List.of(), Pgbench.missing(target, app.schema(), logged), "pgbench transactions missing on arm");
    }
    assertTrue(watched.samples() > 20, "the monitor sampled throughout: " + watched.samples());
    assertEquals(List.of(), watched.violations(), "two boxes accepted writes at once");
    assertTrue(watched.samplesAsWriter().get("arm") > 0, "arm became the writer: " + watched.samplesAsWriter());
    assertFalse(world.isRunning("home-app"));
    assertTrue(world.isRunning("arm-app"));
    assertOldDatabaseRefusesWrites();
    assertTrue(world.pgbench("arm").failedBatches() == 0, "pgbench on arm never failed a batch");
  }

  /** The app's role cannot even connect to the old database; the superuser's sessions are read-only. */
  private void assertOldDatabaseRefusesWrites() throws SQLException {
    SQLException refused = assertThrows(SQLException.class, () -> world.connectAsApp("home").close());
    assertEquals("53300", refused.getSQLState(), refused.getMessage());
    try (Connection c = world.connect("home"); Statement s = c.createStatement()) {
      SQLException readOnly = assertThrows(SQLException.class, () -> s.execute("INSERT INTO "
          + Pgbench.quote(world.app().schema()) + "." + Pgbench.TABLE + " (run, client, n) VALUES (-1, -1, -1)"));
      assertEquals("25006", readOnly.getSQLState(), readOnly.getMessage());
    }
  }

  private void awaitAcknowledged(int count) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (world.acknowledgedSoFar() < count) {
      assertTrue(System.currentTimeMillis() < deadline, "the app acknowledged no writes through the front door");
      Thread.sleep(50);
    }
  }

  private void awaitAcknowledgedAfterMove(int more) throws InterruptedException {
    awaitAcknowledged(world.acknowledgedSoFar() + more);
  }

  private static JsonNode status(String app, String address) throws Exception {
    Cli status = Cli.run("status", app, "--json", "--address", address);
    assertEquals(0, status.exitCode(), status.err());
    return JSON.readTree(status.out());
  }

  private static void awaitStatus(String app, String address, java.util.function.Predicate<JsonNode> condition,
      String what, CompletableFuture<Cli> move) throws Exception {
    long deadline = System.currentTimeMillis() + 300_000;
    String last = "";
    while (System.currentTimeMillis() < deadline) {
      if (move.isDone()) {
        Cli ended = move.get();
        throw new AssertionError("the move ended before " + what + ": exit " + ended.exitCode() + "\n" + ended.out()
            + ended.err());
      }
      Cli status = Cli.run("status", app, "--json", "--address", address);
      last = status.out() + status.err();
      if (status.exitCode() == 0 && condition.test(JSON.readTree(status.out()))) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the move never reached " + what + "; last status: " + last);
  }
}
