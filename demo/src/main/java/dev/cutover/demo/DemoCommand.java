package dev.cutover.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.cutover.cli.CliException;
import dev.cutover.cli.Cutover;
import dev.cutover.cli.ExitCode;
import dev.cutover.cli.Watcher;
import dev.cutover.plan.Durations;
import dev.cutover.temporal.TemporalConnection;
import dev.cutover.workflow.CutoverStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The whole story on this machine: the game on box "home" with players, jobs and the nightly writer
 * busy, moved to box "arm" through every phase by the real workflow, with the same commands an operator
 * types (start, status, confirm, watch, report). Afterwards every write the players were told succeeded
 * is looked up on arm, and the blackout is read from the databases' own commit timestamps.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Move the story's game from box 'home' to box 'arm' on this machine while players play.",
      "Everything is real and throwaway: two PostgreSQL clusters, the game app, its jobs and nightly",
      "writer on each box, Caddy (or a Cloudflare stand-in), the embedded Temporal service and the",
      "worker, all started and stopped by the demo. It waits for your confirm at the gate (or --yes).",
      "Needs PostgreSQL 15+, Caddy, curl and, with --database-door, PgBouncer (installed with apt-get when",
      "run as root)."
    })
class DemoCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec CommandSpec spec;

  @Option(names = "--yes", description = "Confirm at the gate without asking.")
  boolean yes;

  @Option(names = "--report", paramLabel = "FILE", description = "Also write the report as JSON to FILE.")
  Path report;

  @Option(names = "--scale", defaultValue = "1", description = "Multiply the game's data (default ${DEFAULT-VALUE}: the story's size).")
  int scale;

  @Option(names = "--front-door", defaultValue = "caddy", paramLabel = "caddy|cloudflare",
      description = "caddy (default): a real Caddy that holds requests during the freeze. cloudflare: a local "
          + "stand-in for the Cloudflare API and edge; the edge picks the switch up gradually, nothing holds.")
  String frontDoor;

  @Option(names = "--no-hold", description = "With caddy: do not hold; a command front door repoints Caddy at the "
      + "switch, and requests during the freeze fail (502), counted in the report.")
  boolean noHold;

  @Option(names = "--database-door", description = "Put a PgBouncer in front of home's database (the plan's "
      + "databaseDoor) with an admin script writing through it all the time, which the plan does not stop: its "
      + "transactions are held through the freeze and land on arm.")
  boolean databaseDoor;

  @Option(names = "--players", defaultValue = "30", paramLabel = "N",
      description = "Player actions per second through the front door (default ${DEFAULT-VALUE}).")
  int perSecond;

  @Option(names = "--plan", paramLabel = "TEMPLATE", description = "Plan template (default: examples/local-move.yaml).")
  Path template;

  @Option(names = "--network", description = "Put home and arm on hosts of their own (network namespaces, each with"
      + " its address; needs root and iproute2): the mover reaches their databases over links with --latency each"
      + " way, never over 127.0.0.1.")
  boolean network;

  @Option(names = "--latency", defaultValue = "20ms", paramLabel = "DURATION",
      description = "With --network: the delay each way on every link (default ${DEFAULT-VALUE}: a 40 ms round trip;"
          + " 0 to 500ms).")
  String latency;

  @Override
  public Integer call() throws Exception {
    long began = System.currentTimeMillis();
    PrintWriter out = spec.commandLine().getOut();
    Path planTemplate = template != null ? template : Checkout.root().resolve("examples/local-move.yaml");
    if (!yes && System.console() == null) {
      throw new CliException(ExitCode.USAGE, "no terminal to ask for confirmation on: pass --yes");
    }
    if (scale < 1 || perSecond < 1 || perSecond > 200) {
      throw new CliException(ExitCode.USAGE, "--scale must be at least 1 and --players between 1 and 200");
    }
    DemoWorld.FrontDoorKind kind = switch (frontDoor) {
      case "caddy" -> DemoWorld.FrontDoorKind.CADDY;
      case "cloudflare" -> DemoWorld.FrontDoorKind.CLOUDFLARE;
      default -> throw new CliException(ExitCode.USAGE, "--front-door is caddy or cloudflare, not " + frontDoor);
    };
    Duration oneWay = network ? oneWay() : null;
    Prerequisites.ensure(line -> say(out, line));
    DemoWorld.Options defaults = DemoWorld.Options.demo();
    DemoWorld.Options options = new DemoWorld.Options(scale, kind, !noHold, defaults.fullTimeIn(),
        defaults.gradingDelay(), true, defaults.propagation(), perSecond, databaseDoor);
    out.println("cutover demo: move the game from box 'home' to box 'arm' while the friends play,"
        + " with one writer at every moment");
    out.flush();
    try (NetworkWorld net = network ? networkWorld(options, oneWay, out) : null;
        DemoWorld world = net != null ? net.world() : DemoWorld.create(options, line -> say(out, line))) {
      world.startWorker();
      say(out, "worker started");
      world.startPlayers();
      say(out, "players: " + perSecond + " actions/s (packs, trades, predictions) through " + world.publicUrl());
      Path plan = world.writePlan(planTemplate);
      if (net != null) {
        acrossTheNetwork(net, plan, out);
      }
      say(out, "plan: " + plan);
      String address = world.temporal().address();

      int outcome = move(out, plan, address);
      JsonNode status = status(address);
      if ("BLOCKED".equals(status.path("outcome").asText())) {
        for (JsonNode finding : status.path("findings")) {
          if (finding.path("severity").asText().equals("BLOCKING")) {
            say(out, "preflight blocked the move: " + finding.path("check").asText() + ": "
                + finding.path("message").asText());
          }
        }
        world.addMissingConfigKey();
        say(out, "fixed: added " + DemoWorld.MISSING_KEY + " to arm's config file (its value is never printed);"
            + " starting the move again");
        outcome = move(out, plan, address);
        status = status(address);
      }

      say(out, "the move ended " + status.path("outcome").asText() + "; players stop, every answer is awaited,"
          + " and each acknowledged write is looked up on the live database");
      DemoReport result = world.finish(status.path("outcome").asText(), Blackout.copyEnded(status),
          status.path("estimatedBlackoutMillis").isNumber() ? status.path("estimatedBlackoutMillis").asLong() : null);
      print(out, result, System.currentTimeMillis() - began);
      if (report != null) {
        ObjectNode json = JSON.valueToTree(result);
        json.put("totalWallMillis", System.currentTimeMillis() - began);
        json.set("move", moveReport(address));
        Files.writeString(report, JSON.writeValueAsString(json));
        say(out, "report written to " + report);
      }
      if (result.lost() > 0 || result.oneWriterViolations() > 0
          || result.doorWriter() != null && result.doorWriter().lost() > 0) {
        return ExitCode.NEEDS_HUMAN;
      }
      return outcome;
    } finally {
      say(out, "stopped every cluster, server, proxy and worker the demo started");
    }
  }

  private Duration oneWay() {
    Duration d;
    try {
      d = latency.strip().equals("0") ? Duration.ZERO : Durations.parse(latency);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.USAGE, "--latency: " + e.getMessage());
    }
    if (d.isNegative() || d.toMillis() > 500) {
      throw new CliException(ExitCode.USAGE, "--latency is 0 to 500ms each way, not " + latency);
    }
    String why = NetworkWorld.unavailable();
    if (why != null) {
      throw new CliException(ExitCode.USAGE, "--network: " + why + "; run the demo as root on a machine with"
          + " iproute2, or without --network");
    }
    return d;
  }

  private static NetworkWorld networkWorld(DemoWorld.Options options, Duration oneWay, PrintWriter out) {
    try {
      return NetworkWorld.create(options, oneWay, line -> say(out, line));
    } catch (IllegalStateException | java.io.UncheckedIOException e) {
      // create() has removed whatever it had made by then.
      throw new CliException(ExitCode.USAGE, "--network: could not build the hosts: " + e.getMessage()
          + "; nothing was left behind");
    }
  }

  /**
   * The plan's databases reached across the links, never 127.0.0.1; and a freeze budget past Caddy's hold:
   * at 40 ms a dump-restore freeze takes 19-24 s here (NetworkEndToEndTest), at the edge of the default budget.
   */
  private static void acrossTheNetwork(NetworkWorld net, Path plan, PrintWriter out) throws Exception {
    Files.writeString(plan, net.acrossTheLinks(Files.readString(plan)) + "\nfreeze: {maxBlackout: 5m}\n");
    for (String box : DemoWorld.BOXES) {
      say(out, "network: " + box + " is namespace " + net.namespace(box) + ", its PostgreSQL listens on "
          + net.address(box) + "; the mover reaches it at " + net.link(box).address() + ", "
          + net.oneWay().toMillis() + " ms each way: round trip " + net.roundTrip(box).toMillis() + " ms measured");
    }
  }

  private int move(PrintWriter out, Path plan, String address) throws InterruptedException {
    CommandLine cli = Cutover.commandLine(Map.of());
    int started = cli.execute("start", plan.toString(), "--address", address, "--by", "demo");
    if (started != ExitCode.OK) {
      throw new CliException(started, "the move did not start");
    }
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
        TemporalConnection.fromEnvironment(Map.of()).withAddress(address).stubsOptions());
    boolean[] answered = {false};
    try {
      return new Watcher(out, WorkflowClient.newInstance(stubs), DemoWorld.APP, false, s -> {
        if (s.waitingForConfirm() && !answered[0]) {
          answered[0] = true;
          answerGate(cli, address, s);
        }
      }).follow();
    } finally {
      stubs.shutdownNow();
    }
  }

  private void print(PrintWriter out, DemoReport r, long wallMillis) {
    out.println();
    out.println("report");
    out.printf("  outcome            %s; live box: %s%n", r.outcome(), r.liveBox());
    out.printf("  blackout           %s (last commit on home %s, first commit on arm %s; estimated %s ms)%n",
        r.blackoutMillis() == null ? "none (arm never wrote)" : r.blackoutMillis() + " ms",
        r.lastSourceCommit(), r.firstTargetCommit(), r.estimatedBlackoutMillis());
    out.printf("  requests           %d sent, %d held (answered after >= %d ms), %d failed, slowest %d ms%s%n",
        r.sentRequests(), r.heldRequests(), Players.HELD_MILLIS, r.failedRequests(), r.slowestRequestMillis(),
        r.resentRequests() == 0 ? "" : "; " + r.resentRequests() + " sent again after Caddy closed their idle"
            + " connection before any answer, as a browser does");
    out.printf("  acknowledged       %d (%d player actions, %d nightly-writer runs); found on %s: %d; lost: %d%n",
        r.acknowledged(), r.playerActions(), r.writerRuns(), r.liveBox(), r.foundOnTarget(), r.lost());
    if (r.doorWriter() != null) {
      DoorWriter.Result d = r.doorWriter();
      out.printf("  database door      %d transactions through PgBouncer (committed on home %d, on arm %d), %d held"
          + " (>= %d ms), %d failed, slowest %d ms; found on %s: %d; lost: %d%n", d.transactions(),
          d.byBox().getOrDefault("home", 0), d.byBox().getOrDefault("arm", 0), d.held(),
          DoorWriter.HELD_MILLIS, d.failed(), d.slowestMillis(), r.liveBox(), d.found(), d.lost());
      if (!d.failureSample().isEmpty()) {
        out.println("  first failed transactions: " + String.join("; ", d.failureSample().subList(0,
            Math.min(3, d.failureSample().size()))));
      }
    }
    out.printf("  one writer         %d samples every %d ms, %d with two writers%n",
        r.oneWriterSamples(), OneWriterMonitor.EVERY_MILLIS, r.oneWriterViolations());
    if (!r.failureSample().isEmpty()) {
      out.println("  first failed requests: " + String.join("; ", r.failureSample().subList(0,
          Math.min(5, r.failureSample().size()))));
    }
    out.printf("  wall time          %.1f s%n", wallMillis / 1000.0);
    out.flush();
  }

  private void answerGate(CommandLine cli, String address, CutoverStatus status) {
    PrintWriter out = spec.commandLine().getOut();
    say(out, "at the confirm gate; estimated blackout " + status.estimatedBlackoutMillis() + " ms");
    boolean go;
    try {
      go = yes || ask(out, "Freeze 'home' and cut over to 'arm'? [y/N] ");
    } catch (IOException e) {
      go = false;
    }
    if (go) {
      cli.execute("confirm", DemoWorld.APP, "--address", address, "--by", yes ? "demo --yes" : "you");
    } else {
      cli.execute("abort", DemoWorld.APP, "--address", address, "--by", "you", "--reason", "declined at the gate");
    }
  }

  private static JsonNode status(String address) throws IOException {
    return JSON.readTree(capture("status", DemoWorld.APP, "--json", "--address", address));
  }

  private static JsonNode moveReport(String address) {
    try {
      return JSON.readTree(capture("report", DemoWorld.APP, "--format", "json", "--address", address));
    } catch (IOException e) {
      return JSON.getNodeFactory().textNode("report unavailable: " + e.getMessage());
    }
  }

  private static String capture(String... args) {
    StringWriter captured = new StringWriter();
    CommandLine cli = Cutover.commandLine(Map.of());
    cli.setOut(new PrintWriter(captured));
    cli.setErr(new PrintWriter(new StringWriter()));
    cli.execute(args);
    return captured.toString();
  }

  private static boolean ask(PrintWriter out, String question) throws IOException {
    out.print(question);
    out.flush();
    String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    return answer != null && answer.trim().toLowerCase().startsWith("y");
  }

  private static void say(PrintWriter out, String line) {
    out.println("[demo] " + line);
    out.flush();
  }
}
