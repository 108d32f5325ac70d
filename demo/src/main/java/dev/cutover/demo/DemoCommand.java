package dev.cutover.demo;

import dev.cutover.cli.CliException;
import dev.cutover.cli.Cutover;
import dev.cutover.cli.ExitCode;
import dev.cutover.cli.Watcher;
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
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The whole story on this machine: two PostgreSQL boxes, the embedded Temporal service, the worker,
 * and a real move of the game database through every phase, confirmed by you (or {@code --yes}).
 * It drives the move with the same commands an operator types: start, status, confirm, watch, report.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Move the story's game database from box 'home' to box 'arm', on this machine, for real:",
      "throwaway PostgreSQL clusters, the embedded Temporal service and the worker, all started and",
      "stopped by the demo. It waits for your confirm at the gate (or pass --yes)."
    })
class DemoCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--yes", description = "Confirm at the gate without asking.")
  boolean yes;

  @Option(names = "--report", paramLabel = "FILE", description = "Also write the final report as JSON to FILE.")
  Path report;

  @Option(names = "--scale", defaultValue = "1", description = "Multiply the game's data (default ${DEFAULT-VALUE}: the story's size).")
  int scale;

  @Option(names = "--plan", paramLabel = "TEMPLATE", description = "Plan template (default: examples/local-move.yaml).")
  Path template;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    Path planTemplate = template != null ? template : repositoryRoot().resolve("examples/local-move.yaml");
    if (!yes && System.console() == null) {
      throw new CliException(ExitCode.USAGE, "no terminal to ask for confirmation on: pass --yes");
    }
    out.println("cutover demo: move the game from box 'home' to box 'arm', with one writer at every moment");
    out.flush();
    try (DemoWorld world = DemoWorld.create(scale, line -> say(out, line))) {
      world.startWorker();
      say(out, "worker started");
      Path plan = world.writePlan(planTemplate);
      say(out, "plan: " + plan);
      String address = world.temporal().address();
      CommandLine cli = Cutover.commandLine(Map.of());
      int started = cli.execute("start", plan.toString(), "--address", address, "--by", "demo");
      if (started != ExitCode.OK) {
        return started;
      }
      WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
          TemporalConnection.fromEnvironment(Map.of()).withAddress(address).stubsOptions());
      boolean[] answered = {false};
      int outcome;
      try {
        outcome = new Watcher(out, WorkflowClient.newInstance(stubs), DemoWorld.APP, false, status -> {
          if (status.waitingForConfirm() && !answered[0]) {
            answered[0] = true;
            answerGate(cli, address, status);
          }
        }).follow();
      } finally {
        stubs.shutdownNow();
      }
      say(out, "front door now serves: " + world.frontDoor().activeBox()
          + "; running on home: " + running(world, "home") + "; on arm: " + running(world, "arm"));
      if (report != null) {
        writeReport(address);
        say(out, "report written to " + report);
      }
      return outcome;
    } finally {
      say(out, "stopped every cluster, server and worker the demo started");
    }
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

  private void writeReport(String address) throws IOException {
    StringWriter captured = new StringWriter();
    CommandLine cli = Cutover.commandLine(Map.of());
    cli.setOut(new PrintWriter(captured));
    cli.execute("report", DemoWorld.APP, "--format", "json", "--address", address);
    Files.writeString(report, captured.toString());
  }

  private static String running(DemoWorld world, String box) {
    StringBuilder names = new StringBuilder();
    for (String service : new String[] {"app", "nightly-standings", "scoring"}) {
      if (world.isRunning(box + "-" + service)) {
        names.append(names.length() == 0 ? "" : ", ").append(service);
      }
    }
    return names.length() == 0 ? "nothing" : names.toString();
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

  /** {@code ./cutover} passes the checkout's root; tests run from a module directory below it. */
  static Path repositoryRoot() {
    String home = System.getProperty("cutover.home");
    if (home != null) {
      return Path.of(home);
    }
    Path here = Path.of("").toAbsolutePath();
    return Files.exists(here.resolve("examples")) ? here : here.getParent();
  }
}
