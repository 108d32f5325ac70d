package dev.cutover.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.cutover.cli.ConnectionOptions;
import dev.cutover.cli.EmbeddedTemporal;
import dev.cutover.demo.SmallApps;
import dev.cutover.support.Directories;
import dev.cutover.temporal.TemporalConnection;
import dev.cutover.testing.LocalCluster;
import dev.cutover.worker.InProcessWorker;
import dev.cutover.workflow.CutoverStatus;
import dev.cutover.workflow.CutoverWorkflow;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.IntStream;

/**
 * Issue 18: one fleet of N small apps against the same N apps moved one after the other, in one run on the
 * same clusters, Temporal service and worker, so the ratio is not a comparison of two moments of a noisy
 * machine. Each app is a few hundred rows written before the start and more written while it waits at its
 * gate, which only the freeze's copy brings across.
 */
final class FleetBench {

  static final int ROWS_BEFORE = 300;
  static final int ROWS_AT_GATE = 30;
  private static final String FLEET = "bench";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration LIMIT = Duration.ofMinutes(5);

  /** How one app's move ended; {@code lost}: rows written on the source that are not on the target, -1 unknown. */
  record AppOutcome(String app, String outcome, long lost) {}

  /**
   * The runs, each a fleet and then the same number of fresh apps one by one. Fleet: from {@code cutover start
   * fleet.yaml} (and from the one confirm) to every app ended; {@code overlap}: most freezes at once over every
   * run, from the moves' histories (-1 when unreadable). Sequential: the sum of the moves, each from its start
   * to its end; {@code moveSeconds} every move of every run. {@code ratio}: sequential / fleet, per run. CPU:
   * the machine's cores busy over each, from /proc/stat (empty where it cannot be read): whether running side by
   * side had idle cores to use.
   */
  record Figures(int apps, int maxConcurrent, int runs, Stats fleetSeconds, Stats fleetConfirmedSeconds,
      Stats sequentialSeconds, Stats ratio, Stats moveSeconds, int overlap, List<AppOutcome> fleet,
      List<AppOutcome> sequential, Stats fleetCpuPercent, Stats sequentialCpuPercent, String failure) {

    boolean allCompleted() {
      return failure == null && fleet.size() == apps * runs && sequential.size() == apps * runs
          && java.util.stream.Stream.concat(fleet.stream(), sequential.stream())
              .allMatch(a -> a.outcome().equals("COMPLETED") && a.lost() == 0);
    }
  }

  private final int apps;
  private final int maxConcurrent;

  FleetBench(int apps, int maxConcurrent) {
    this.apps = apps;
    this.maxConcurrent = maxConcurrent;
  }

  Figures measure(int runs, Consumer<String> progress) throws Exception {
    Path dir = Files.createTempDirectory("cutover-fleet-bench-");
    List<Fleet> fleets = new ArrayList<>();
    List<Sequential> ones = new ArrayList<>();
    String failure = null;
    try (LocalCluster home = LocalCluster.start("bench-fleet-home"); LocalCluster arm = LocalCluster.start("bench-fleet-arm");
        EmbeddedTemporal temporal = EmbeddedTemporal.start(0);
        InProcessWorker worker = InProcessWorker.start(temporal.address())) {
      String address = temporal.address();
      HttpServer health = SmallApps.healthServer();
      WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
          TemporalConnection.fromEnvironment(Map.of()).withAddress(address).stubsOptions());
      try {
        warmUp(home, arm, address, health.getAddress().getPort(), dir, WorkflowClient.newInstance(stubs), progress);
        for (int run = 1; run <= runs; run++) {
          // Fresh apps each run: a moved source stays fenced, and a workflow id is an app's name.
          fleets.add(fleet(home, arm, address, health.getAddress().getPort(), dir.resolve("run" + run), run, progress));
          ones.add(sequential(home, arm, address, health.getAddress().getPort(), dir.resolve("run" + run), run,
              WorkflowClient.newInstance(stubs), progress));
        }
      } catch (Exception e) {
        failure = e.getMessage() == null ? e.toString() : e.getMessage();
        progress.accept("fleet bench failed: " + failure);
      } finally {
        stubs.shutdownNow();
        health.stop(0);
        ConnectionOptions.release(address);
      }
    } finally {
      Directories.deleteRecursively(dir);
    }
    int paired = Math.min(fleets.size(), ones.size());
    List<Double> ratios = IntStream.range(0, paired).mapToObj(i -> fleets.get(i).millis > 0
        ? (double) ones.get(i).millis / fleets.get(i).millis : 0.0).toList();
    return new Figures(apps, maxConcurrent, paired,
        Stats.of(fleets.stream().map(f -> f.millis / 1000.0).toList()),
        Stats.of(fleets.stream().map(f -> f.confirmedMillis / 1000.0).toList()),
        Stats.of(ones.stream().map(o -> o.millis / 1000.0).toList()), Stats.of(ratios),
        Stats.of(ones.stream().flatMap(o -> o.moveMillis.stream()).map(m -> m / 1000.0).toList()),
        fleets.stream().mapToInt(Fleet::overlap).reduce(Integer.MIN_VALUE,
            (a, b) -> a == -1 || b == -1 ? -1 : Math.max(a, b)),
        fleets.stream().flatMap(f -> f.outcomes.stream()).toList(),
        ones.stream().flatMap(o -> o.outcomes.stream()).toList(),
        Stats.of(fleets.stream().map(Fleet::cpuPercent).filter(p -> p >= 0).toList()),
        Stats.of(ones.stream().map(Sequential::cpuPercent).filter(p -> p >= 0).toList()), failure);
  }

  private record Fleet(long millis, long confirmedMillis, int overlap, int maxPastGate, List<AppOutcome> outcomes,
      double cpuPercent) {}

  private Fleet fleet(LocalCluster home, LocalCluster arm, String address, int healthPort, Path root, int run,
      Consumer<String> progress) throws Exception {
    String fleetName = FLEET + run;
    List<String> names = names("fb" + run + "-app");
    Path dir = Files.createDirectories(root.resolve("fleet"));
    List<Path> plans = new ArrayList<>();
    for (String app : names) {
      home.createDatabase(app);
      SmallApps.write(home, app, 1, ROWS_BEFORE);
      plans.add(SmallApps.plan(dir, app, home, arm, healthPort));
    }
    Path file = SmallApps.fleet(dir, fleetName, maxConcurrent, plans);
    long[] cpu = cpuTicks();
    long started = System.nanoTime();
    MoveBench.Run start = MoveBench.cli("start", file.toString(), "--by", "bench", "--address", address);
    if (start.code() != 0) {
      throw new IllegalStateException("the fleet did not start: " + start.err() + start.out());
    }
    JsonNode status = awaitFleet(address, fleetName, s -> count(s, "AT_GATE") + s.path("totals").path("ended").asInt() == apps);
    progress.accept(String.format("run %d: fleet of %d apps: %d at their gates after %d ms", run, apps,
        count(status, "AT_GATE"),
        (System.nanoTime() - started) / 1_000_000));
    for (String app : names) {
      SmallApps.write(home, app, ROWS_BEFORE + 1, ROWS_AT_GATE);
    }
    long confirmed = System.nanoTime();
    if (count(status, "AT_GATE") > 0) {
      MoveBench.Run confirm = MoveBench.cli("confirm", "--fleet", fleetName, "--by", "bench", "--address", address);
      if (confirm.code() != 0) {
        throw new IllegalStateException("the fleet's confirm failed: " + confirm.err() + confirm.out());
      }
    }
    int maxPastGate = 0;
    long deadline = System.nanoTime() + LIMIT.toNanos();
    do {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the fleet did not end in " + LIMIT);
      }
      Thread.sleep(100);
      status = fleetStatus(address, fleetName);
      maxPastGate = Math.max(maxPastGate, status.path("totals").path("pastGate").asInt());
    } while (status.path("totals").path("ended").asInt() < apps);
    long ended = System.nanoTime();
    double cpuPercent = busyPercent(cpu, cpuTicks());
    List<AppOutcome> outcomes = new ArrayList<>();
    for (JsonNode a : status.path("apps")) {
      outcomes.add(outcome(home, arm, a.path("app").asText(), a.path("outcome").asText()));
    }
    int overlap;
    try {
      overlap = SmallApps.maxOverlappingFreezes(address, names);
    } catch (RuntimeException e) {
      progress.accept("could not read the freezes' overlap: " + e.getMessage());
      overlap = -1;
    }
    Fleet fleet = new Fleet((ended - started) / 1_000_000, (ended - confirmed) / 1_000_000, overlap, maxPastGate,
        outcomes, cpuPercent);
    progress.accept(String.format("run " + run + ": fleet of %d apps at maxConcurrent %d: %d ms from start, %d ms from confirm;"
        + " at most %d freezes at once; cores %.0f %% busy; %s", apps, maxConcurrent, fleet.millis,
        fleet.confirmedMillis, overlap, cpuPercent, outcomes.stream().map(a -> a.app() + " " + a.outcome()
            + " lost " + a.lost()).toList()));
    return fleet;
  }

  private record Sequential(long millis, List<Long> moveMillis, List<AppOutcome> outcomes, double cpuPercent) {}

  /** The same apps, fresh databases, each moved by itself: started, confirmed at its gate, waited for. */
  private Sequential sequential(LocalCluster home, LocalCluster arm, String address, int healthPort, Path root,
      int run, WorkflowClient client, Consumer<String> progress) throws Exception {
    List<String> names = names("sq" + run + "-app");
    Path dir = Files.createDirectories(root.resolve("sequential"));
    List<Path> plans = new ArrayList<>();
    for (String app : names) {
      home.createDatabase(app);
      SmallApps.write(home, app, 1, ROWS_BEFORE);
      plans.add(SmallApps.plan(dir, app, home, arm, healthPort));
    }
    List<Long> millis = new ArrayList<>();
    List<AppOutcome> outcomes = new ArrayList<>();
    long[] cpu = cpuTicks();
    for (int i = 0; i < apps; i++) {
      String app = names.get(i);
      long started = System.nanoTime();
      String outcome = moveAlone(home, address, client, app, plans.get(i));
      millis.add((System.nanoTime() - started) / 1_000_000);
      outcomes.add(outcome(home, arm, app, outcome));
      progress.accept(String.format("run %d: sequential move %d of %d: %s %s in %d ms", run, i + 1, apps, app, outcome,
          millis.get(i)));
    }
    // The busy share includes the bench's own row counting between moves, a few milliseconds each.
    return new Sequential(millis.stream().mapToLong(Long::longValue).sum(), millis, outcomes,
        busyPercent(cpu, cpuTicks()));
  }

  /** One move by itself: started, its gate's rows written, confirmed, waited for; its outcome. */
  private static String moveAlone(LocalCluster home, String address, WorkflowClient client, String app, Path plan)
      throws Exception {
    MoveBench.Run start = MoveBench.cli("start", plan.toString(), "--by", "bench", "--address", address);
    if (start.code() != 0) {
      throw new IllegalStateException("the move of " + app + " did not start: " + start.err() + start.out());
    }
    CutoverWorkflow workflow = client.newWorkflowStub(CutoverWorkflow.class, "cutover-" + app);
    CutoverStatus status = MoveBench.awaitStatus(workflow, s -> s.waitingForConfirm() || s.outcome() != null, LIMIT);
    SmallApps.write(home, app, ROWS_BEFORE + 1, ROWS_AT_GATE);
    if (status.outcome() == null) {
      MoveBench.Run confirm = MoveBench.cli("confirm", app, "--by", "bench", "--address", address);
      if (confirm.code() != 0) {
        throw new IllegalStateException("the confirm of " + app + " failed: " + confirm.err() + confirm.out());
      }
      status = MoveBench.awaitStatus(workflow, s -> s.outcome() != null, LIMIT);
    }
    return status.outcome().name();
  }

  /** One untimed move first, so that the first run's fleet does not also pay for a cold service, worker and JIT. */
  private static void warmUp(LocalCluster home, LocalCluster arm, String address, int healthPort, Path dir,
      WorkflowClient client, Consumer<String> progress) throws Exception {
    String app = "warmup-app";
    home.createDatabase(app);
    SmallApps.write(home, app, 1, ROWS_BEFORE);
    long started = System.nanoTime();
    String outcome = moveAlone(home, address, client, app,
        SmallApps.plan(Files.createDirectories(dir.resolve("warmup")), app, home, arm, healthPort));
    progress.accept(String.format("warm-up move (not counted): %s in %d ms", outcome,
        (System.nanoTime() - started) / 1_000_000));
  }

  /** The rows written on the source that the target does not have; -1 when the target has no such database. */
  private static AppOutcome outcome(LocalCluster home, LocalCluster arm, String app, String outcome) throws Exception {
    if (!SmallApps.exists(arm, app)) {
      return new AppOutcome(app, outcome, -1);
    }
    long lost = Math.max(0, SmallApps.rows(home, app) - SmallApps.rows(arm, app));
    boolean same = SmallApps.sum(home, app) == SmallApps.sum(arm, app);
    return new AppOutcome(app, same ? outcome : outcome + " (rows differ)", lost);
  }

  /** The machine's CPU time so far from /proc/stat's first line: {busy, total} in ticks; null off Linux. */
  private static long[] cpuTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i <= 8 && i < f.length; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
      return new long[] {total - idle, total};
    } catch (java.io.IOException | RuntimeException e) {
      return null;
    }
  }

  private static double busyPercent(long[] from, long[] to) {
    if (from == null || to == null || to[1] == from[1]) {
      return -1;
    }
    return 100.0 * (to[0] - from[0]) / (to[1] - from[1]);
  }

  private List<String> names(String prefix) {
    return IntStream.range(0, apps).mapToObj(n -> prefix + n).toList();
  }

  private static JsonNode awaitFleet(String address, String fleet, Predicate<JsonNode> done) throws Exception {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        JsonNode status = fleetStatus(address, fleet);
        if (done.test(status)) {
          return status;
        }
      } catch (IllegalStateException notYet) {
        // The fleet's first workflow task has not run yet: ask again.
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the fleet's apps did not all reach their gates in " + LIMIT);
  }

  private static JsonNode fleetStatus(String address, String fleet) throws Exception {
    MoveBench.Run status = MoveBench.cli("status", "--fleet", fleet, "--json", "--address", address);
    if (status.code() != 0) {
      throw new IllegalStateException("status --fleet: " + status.err());
    }
    return JSON.readTree(status.out());
  }

  private static long count(JsonNode status, String gate) {
    long n = 0;
    for (JsonNode a : status.path("apps")) {
      n += a.path("gate").asText().equals(gate) ? 1 : 0;
    }
    return n;
  }
}
