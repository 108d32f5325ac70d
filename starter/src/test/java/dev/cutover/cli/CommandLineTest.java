package dev.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line's contract: messages, and the exit codes DESIGN.md documents. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CommandLineTest {

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = Cutover.commandLine(Map.of());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return new Run(cli.execute(args), out.toString(), err.toString());
  }

  @Test
  void validateListsFiveMistakesWithLinesAndPaths() throws IOException {
    Path plan = dir.resolve("plan.yaml");
    Files.writeString(plan, String.join("\n",
        "app: game",
        "source:",
        "  name: home",
        "  database:",
        "    url: jdbc:postgresql://127.0.0.1:5432/game",
        "    user: cutover",
        "    password: hunter2",
        "target:",
        "  name: arm",
        "  database: {url: \"jdbc:postgresql://127.0.0.1:5433/game\"}",
        "settle:",
        "  stableFr: 60s",
        "copy: {jobs: [2]}",
        "frontDoor: {type: command, switch: [flip], revert: [flop]}",
        "health: {url: \"http://127.0.0.1:8080/healthz\", interval: 5 seconds}",
        ""));

    Run r = run("validate", plan.toString());

    assertEquals(2, r.code());
    List<String> errors = r.err().lines().filter(l -> l.contains(plan + ":")).toList();
    assertEquals(5, errors.size(), r.err());
    assertTrue(errors.get(0).contains(plan + ":7: source.database.password: secrets are never written in the plan"), errors.get(0));
    assertTrue(errors.get(1).contains(plan + ":10: target.database.user: missing required key 'user'"), errors.get(1));
    assertTrue(errors.get(2).contains(plan + ":12: settle.stableFr: unknown key 'stableFr': did you mean 'stableFor'?"), errors.get(2));
    assertTrue(errors.get(3).contains(plan + ":13: copy.jobs: expected a whole number"), errors.get(3));
    assertTrue(errors.get(4).contains(plan + ":15: health.interval: '5 seconds' is not a duration"), errors.get(4));
    assertTrue(r.err().contains("5 errors in " + plan), r.err());
    assertTrue(!r.err().contains("Exception"), "no stack trace: " + r.err());
  }

  @Test
  void validateAcceptsTheExample() throws IOException {
    Path plan = dir.resolve("local.yaml");
    Files.writeString(plan, Files.readString(Path.of("../examples/local-move.yaml"))
        .replace("{{sourcePort}}", "5432").replace("{{targetPort}}", "5433")
        .replace("{{control}}", "http://127.0.0.1:9000").replace("{{homeAppPort}}", "8080")
        .replace("{{armAppPort}}", "8081").replace("{{homeConfig}}", "/tmp/x/home.env")
        .replace("{{armConfig}}", "/tmp/x/arm.env").replace("{{publicUrl}}", "http://127.0.0.1:8443")
        .replace("{{frontDoor}}", "{type: command, switch: [\"true\"], revert: [\"true\"]}"));

    Run r = run("validate", plan.toString());

    assertEquals(0, r.code(), r.err());
    assertEquals(plan + ": valid: move game from home to arm (dump-restore copy, command front door)\n", r.out());
  }

  @Test
  void aMissingPlanFileIsABadUsage() {
    Run r = run("validate", dir.resolve("nope.yaml").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("nope.yaml: no such plan file"), r.err());
  }

  @Test
  void aPlanThatIsNotUtf8NamesTheLineAndColumnOfTheFirstBadByte() throws IOException {
    Path plan = dir.resolve("latin1.yaml");
    Files.write(plan, "app: game\n# caf\u00e9 menu\nsource:\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    Run r = run("validate", plan.toString());
    assertEquals(2, r.code(), r.err());
    assertEquals("cutover: " + plan + ":2: not UTF-8: byte 0xE9 at column 6 cannot start or continue a character;"
        + " a plan file must be UTF-8 text\n", r.err());
  }

  @Test
  void aPlanFileOverOneMebibyteIsRefusedAtOnce() throws IOException {
    Path plan = dir.resolve("dump.yaml");
    Files.write(plan, new byte[(int) PlanFiles.MAX_BYTES + 1]);
    long started = System.nanoTime();
    Run r = run("validate", plan.toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(plan + ": 1048577 bytes; a plan file is at most 1024 KiB"), r.err());
    assertTrue(System.nanoTime() - started < 5_000_000_000L, "refusing took too long");
  }

  @Test
  void aDirectoryIsNotAPlan() {
    Run r = run("validate", dir.toString());
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(dir + ": is a directory, not a plan file"), r.err());
  }

  @Test
  void anUnreachableTemporalExitsFiveNamingTheAddress() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Run r = run("status", "game", "--address", "127.0.0.1:" + port);
    assertEquals(5, r.code(), r.err());
    assertTrue(r.err().contains("Temporal is not answering at 127.0.0.1:" + port), r.err());
  }

  @Test
  void commandsNotBuiltYetSaySoAndExitTwo() {
    Run r = run("bench");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("`cutover bench` is not available in this build"), r.err());
  }

  @Test
  void everyCommandHasHelp() {
    for (String command : List.of("demo", "dev-server", "worker", "validate", "start", "confirm", "abort", "status",
        "watch", "rollback", "close", "report", "compare", "bench")) {
      Run r = run(command, "--help");
      assertEquals(0, r.code(), command);
      assertTrue(r.out().startsWith("Usage: cutover " + command), command + ": " + r.out());
    }
  }

  /** `cutover --help` lists each command with the first line of its description: a whole sentence. */
  @Test
  void everyCommandSummaryInTheListIsAWholeSentence() {
    CommandLine cli = Cutover.commandLine(Map.of());
    for (Map.Entry<String, CommandLine> command : cli.getSubcommands().entrySet()) {
      String[] description = command.getValue().getCommandSpec().usageMessage().description();
      assertTrue(description.length > 0, command.getKey() + " has no description");
      String summary = description[0];
      assertTrue(summary.endsWith(".") && Character.isUpperCase(summary.charAt(0)),
          command.getKey() + "'s summary is not a sentence: '" + summary + "'");
      assertTrue(summary.length() <= 100, command.getKey() + "'s summary is too long for the list: " + summary.length());
    }
  }

  @Test
  void anUnknownOptionIsABadUsage() {
    assertEquals(2, run("status", "game", "--colour").code());
  }

  @Test
  void theDevServerRefusesATakenPortClearly() throws IOException {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      Run r = run("dev-server", "--port", String.valueOf(taken.getLocalPort()));
      assertEquals(2, r.code());
      assertTrue(r.err().contains("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use"), r.err());
    }
  }

  @Test
  void theEmbeddedServiceListensOnLoopbackOnlyAndKnowsNoMoveYet() {
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(0)) {
      Run r = run("status", "game", "--address", temporal.address());
      assertEquals(2, r.code(), r.err());
      assertTrue(r.err().contains("no move of game is known to Temporal at " + temporal.address()), r.err());
      assertTrue(!temporal.listenAddresses().isEmpty());
      for (java.net.SocketAddress bound : temporal.listenAddresses()) {
        assertTrue(((InetSocketAddress) bound).getAddress().isLoopbackAddress(), "bound to " + bound);
      }
    }
  }

  @Test
  void repeatedCommandsInOneJvmShareOneConnection() {
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(0)) {
      try {
        int before = ConnectionOptions.stubsCreated();
        for (int i = 0; i < 50; i++) {
          Run r = run("status", "game", "--address", temporal.address());
          assertEquals(2, r.code(), r.err());
          assertTrue(r.err().contains("no move of game is known"), r.err());
        }
        // One channel for fifty commands; a stub per command would have left fifty open.
        assertEquals(1, ConnectionOptions.stubsCreated() - before);

        ConnectionOptions.release(temporal.address());
        assertEquals(2, run("status", "game", "--address", temporal.address()).code());
        assertEquals(2, ConnectionOptions.stubsCreated() - before, "released stubs are not reused");
      } finally {
        ConnectionOptions.release(temporal.address());
      }
    }
  }

  @Test
  void theWorkerCanTellTheEmbeddedServiceApart() {
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(0)) {
      io.temporal.serviceclient.WorkflowServiceStubs stubs = io.temporal.serviceclient.WorkflowServiceStubs.newServiceStubs(
          dev.cutover.temporal.TemporalConnection.fromEnvironment(Map.of()).withAddress(temporal.address()).stubsOptions());
      try {
        assertTrue(dev.cutover.temporal.TemporalConnection.isEmbeddedServer(stubs, "default"));
      } finally {
        stubs.shutdownNow();
      }
    }
  }
}
