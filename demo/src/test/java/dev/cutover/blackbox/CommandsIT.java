package dev.cutover.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.blackbox.Shipped.Result;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command of the shipped launcher that needs no running move: help, version, validate, bad usage,
 * and the answers when Temporal or a port is not there. Each runs {@code ./cutover} as its own process.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class CommandsIT {

  static final List<String> COMMANDS = List.of("demo", "dev-server", "worker", "validate", "start", "confirm",
      "abort", "status", "watch", "rollback", "close", "recover", "report", "compare", "bench");
  private static final Duration QUICK = Duration.ofSeconds(90);

  @TempDir Path dir;

  /** The command list of {@code cutover --help}: each name with its summary, wrapped lines joined. */
  static Map<String, String> listedCommands(String help) {
    Map<String, String> listed = new LinkedHashMap<>();
    String section = help.substring(help.indexOf("Commands:") + "Commands:".length(), help.indexOf("Exit codes:"));
    String current = null;
    for (String line : section.split("\n")) {
      Matcher named = Pattern.compile("^  (\\S+)\\s+(.*)$").matcher(line);
      if (named.matches()) {
        current = named.group(1);
        listed.put(current, named.group(2).strip());
      } else if (current != null && !line.isBlank()) {
        listed.put(current, listed.get(current) + " " + line.strip());
      }
    }
    return listed;
  }

  @Test
  void helpListsEveryCommandWithAWholeSentenceAndEachCommandHasItsOwnHelp() throws Exception {
    Result help = Shipped.run(Shipped.env(null), QUICK, "--help");

    assertEquals(0, help.exitCode(), help.toString());
    assertEquals("", help.err());
    Map<String, String> listed = listedCommands(help.out());
    assertEquals(COMMANDS, List.copyOf(listed.keySet()), help.out());
    listed.forEach((command, summary) -> assertTrue(summary.endsWith(".") && Character.isUpperCase(summary.charAt(0)),
        command + "'s summary is cut or not a sentence: '" + summary + "'"));
    assertTrue(help.out().contains("5 Temporal unreachable."), help.out());

    for (String command : COMMANDS) {
      Result own = Shipped.run(Shipped.env(null), QUICK, command, "--help");
      assertEquals(0, own.exitCode(), command + ": " + own);
      assertTrue(own.out().startsWith("Usage: cutover " + command), command + ": " + own);
      assertTrue(own.out().contains(listed.get(command).split(" ")[0]), command + "'s help repeats its summary");
    }
  }

  @Test
  void versionAndBadUsage() throws Exception {
    Result version = Shipped.run(Shipped.env(null), QUICK, "--version");
    assertEquals(0, version.exitCode(), version.toString());
    assertEquals("cutover 0.1.0\n", version.out());

    Result none = Shipped.run(Shipped.env(null), QUICK);
    assertEquals(2, none.exitCode(), none.toString());
    assertTrue(none.err().contains("cutover: name a command"), none.toString());

    Result unknown = Shipped.run(Shipped.env(null), QUICK, "migrate");
    assertEquals(2, unknown.exitCode(), unknown.toString());
    assertTrue(unknown.err().contains("Unmatched argument at index 0: 'migrate'"), unknown.toString());

    Result option = Shipped.run(Shipped.env(null), QUICK, "status", "game", "--colour");
    assertEquals(2, option.exitCode(), option.toString());
    assertTrue(option.err().contains("Unknown option: '--colour'"), option.toString());
  }

  @Test
  void validatePrintsTheVerdictOnStdoutAndEveryErrorOnStderr() throws Exception {
    Path good = dir.resolve("good.yaml");
    Files.writeString(good, String.join("\n",
        "app: game",
        "source: {name: home, database: {url: \"jdbc:postgresql://127.0.0.1:5432/game\", user: cutover}}",
        "target: {name: arm, database: {url: \"jdbc:postgresql://127.0.0.1:5433/game\", user: cutover}}",
        "frontDoor: {type: command, switch: [\"true\"], revert: [\"true\"]}",
        "health: {url: \"http://127.0.0.1:8080/healthz\"}", ""));
    Result valid = Shipped.run(Shipped.env(null), QUICK, "validate", good.toString());
    assertEquals(0, valid.exitCode(), valid.toString());
    assertEquals(good + ": valid: move game from home to arm (dump-restore copy, command front door)\n", valid.out());

    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, String.join("\n",
        "app: game",
        "source: {name: home, database: {url: \"postgres://x/game\", user: cutover}}",
        "target: {name: arm, database: {url: \"jdbc:postgresql://127.0.0.1:5433/game\", user: cutover}}",
        "frontDoor: {type: command, switch: [\"true\"], revert: [\"true\"]}",
        "health: {url: \"http://127.0.0.1:8080/healthz\", consecutive: many}",
        "colour: blue", ""));
    Result invalid = Shipped.run(Shipped.env(null), QUICK, "validate", bad.toString());
    assertEquals(2, invalid.exitCode(), invalid.toString());
    assertEquals("", invalid.out());
    assertTrue(invalid.err().contains(bad + ":2: source.database.url:"), invalid.toString());
    assertTrue(invalid.err().contains(bad + ":5: health.consecutive:"), invalid.toString());
    assertTrue(invalid.err().contains(bad + ":6: colour:"), invalid.toString());
    assertTrue(invalid.err().contains("3 errors in " + bad), invalid.toString());

    Path latin1 = dir.resolve("latin1.yaml");
    Files.write(latin1, "app: caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1));
    Result notUtf8 = Shipped.run(Shipped.env(null), QUICK, "validate", latin1.toString());
    assertEquals(2, notUtf8.exitCode(), notUtf8.toString());
    assertTrue(notUtf8.err().contains(latin1 + ":1: not UTF-8: byte 0xE9 at column 9"), notUtf8.toString());
  }

  @Test
  void withNoTemporalEveryCommandThatNeedsItExitsFiveNamingTheAddress() throws Exception {
    String nowhere = "127.0.0.1:" + Shipped.freePort();
    List<List<String>> commands = List.of(List.of("status", "game"), List.of("status", "game", "--json"),
        List.of("confirm", "game"), List.of("abort", "game"), List.of("report", "game"), List.of("watch", "game"),
        List.of("rollback", "game"), List.of("close", "game"), List.of("recover", minimalPlan().toString()),
        List.of("worker"));
    // Each waits its 5 s for the service: all at once, as separate processes, not 50 s one after another.
    ExecutorService pool = Executors.newFixedThreadPool(commands.size());
    try {
      List<Future<Result>> results = new ArrayList<>();
      for (List<String> command : commands) {
        results.add(pool.submit(() -> Shipped.run(Shipped.env(nowhere), QUICK, command.toArray(String[]::new))));
      }
      for (int i = 0; i < commands.size(); i++) {
        List<String> command = commands.get(i);
        Result r = results.get(i).get();
        assertEquals(5, r.exitCode(), command + ": " + r);
        String named = command.equals(List.of("worker")) ? "cutover: Temporal is not answering at " + nowhere
            : "Temporal is not answering at " + nowhere;
        assertTrue(r.err().contains(named), command + ": " + r);
        if (!command.equals(List.of("worker"))) {
          assertEquals("", r.out(), command + " printed on stdout");
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aTakenPortIsABadUsageForTheDevServerAndTheWorker() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Result server = Shipped.run(Shipped.env(null), QUICK, "dev-server", "--port", Integer.toString(taken.getLocalPort()));
      assertEquals(2, server.exitCode(), server.toString());
      assertTrue(server.err().contains("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use"), server.toString());
    }
  }

  /** With the Temporal CLI on PATH the dev-server runs its persistent dev server: argument list as documented. */
  @Test
  void theDevServerRunsTheTemporalCliWhenItIsInstalled() throws Exception {
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path args = dir.resolve("args.txt");
    Path standIn = bin.resolve("temporal");
    Files.writeString(standIn, "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + args + "'\nexec sleep 120\n");
    standIn.toFile().setExecutable(true);
    int port = Shipped.freePort();
    Path state = dir.resolve("state").resolve("temporal.db");
    java.util.Map<String, String> env = Shipped.env(null);
    env.put("PATH", bin + ":" + System.getenv("PATH"));
    try (Shipped.Running server = Shipped.Running.start(env,
        Shipped.argv("dev-server", "--port", Integer.toString(port), "--state", state.toString()))) {
      String out = server.awaitOut("moves are kept in " + state, QUICK);
      assertTrue(out.contains("web UI on 127.0.0.1:" + (port + 1000)), out);
      long deadline = System.currentTimeMillis() + 30_000;
      while (!Files.exists(args) && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertEquals(List.of("server", "start-dev", "--ip", "127.0.0.1", "--port", Integer.toString(port),
          "--db-filename", state.toString(), "--namespace", "default",
          "--search-attribute", "CutoverApp=Keyword", "--search-attribute", "CutoverPhase=Keyword"),
          Files.readAllLines(args));
      assertTrue(Files.isDirectory(state.getParent()), "the state file's directory is made");
    }
  }

  /** A valid plan whose databases nobody needs to reach: what a command reads before it calls Temporal. */
  private Path minimalPlan() throws Exception {
    return Plans.minimal(dir.resolve("minimal.yaml"), "jdbc:postgresql://127.0.0.1:1/game",
        "jdbc:postgresql://127.0.0.1:2/game", "cutover");
  }

  @Test
  void benchRefusesAnUnknownSize() throws Exception {
    Result r = Shipped.run(Shipped.env(null), QUICK, "bench", "--sizes", "XL");
    assertEquals(2, r.exitCode(), r.toString());
    assertTrue(r.err().contains("no size XL"), r.toString());
  }
}
