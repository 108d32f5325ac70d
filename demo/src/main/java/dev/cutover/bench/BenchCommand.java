package dev.cutover.bench;

import dev.cutover.cli.CliException;
import dev.cutover.cli.ExitCode;
import dev.cutover.demo.Checkout;
import dev.cutover.testing.LocalCluster;
import dev.cutover.demo.Prerequisites;
import dev.cutover.support.Directories;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cutover bench}: builds the game database at each size on a throwaway cluster and measures, side by
 * side in one run, our copy and fingerprint against the tools people use, and full moves' blackouts; then
 * writes the page (docs/benchmarks.md) and its plot.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Benchmark copy, fingerprint and blackout against the tools people use, on this machine.",
      "Copy and fingerprint speed against pg_dump | pg_restore, pg_dump -Fd -j2, pgcopydb and",
      "md5(string_agg(...)), and the blackout of full moves under player load, on this machine; writes",
      "the page and a PNG plot; and a fleet of small apps against the same apps moved one by one.",
      "Sizes: S (tens of MB), M (about 1 GB), L (about 5 GB, opt-in), T (tiny)."
    })
public class BenchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--sizes", split = ",", defaultValue = "S,M",
      description = "Sizes for copy and fingerprint (default ${DEFAULT-VALUE}; none to skip).")
  List<String> sizes;

  @Option(names = "--move-sizes", split = ",",
      description = "Sizes for the full moves (default: the same as --sizes; none to skip).")
  List<String> moveSizes;

  @Option(names = "--runs", defaultValue = "3", description = "Runs of each measurement (default ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--move-runs",
      description = "Runs of each full move (default: --runs at T, S and M, 1 at L, where each builds a world"
          + " of that size and a logical move takes minutes).")
  Integer moveRuns;

  // The background load: 200 writes/s through the holding front door.
  @Option(names = "--players", defaultValue = "200",
      description = "Player actions (writes) per second through the front door during the moves"
          + " (default ${DEFAULT-VALUE}).")
  int players;

  @Option(names = "--move-strategies", split = ",", defaultValue = "dump-restore,logical",
      description = "Copy strategies of the full moves (default ${DEFAULT-VALUE}; " + MoveBench.ROLLBACK
          + ": a logical move with a rollback window, then its rollback over the kept stream, which is what is"
          + " measured).")
  List<String> moveStrategies;

  @Option(names = "--logical-only-sizes", split = ",", defaultValue = "L",
      description = "Sizes whose moves run logical only (default ${DEFAULT-VALUE}: a dump-restore move of 5 GB"
          + " holds a blackout of minutes, which M already shows growing with the data).")
  List<String> logicalOnly;

  @Option(names = "--fleet-apps", defaultValue = "10", paramLabel = "N",
      description = "Apps in the fleet benchmark: one fleet of N small apps against the same N moved one after"
          + " the other, --runs times (default ${DEFAULT-VALUE}; 0 to skip).")
  int fleetApps;

  @Option(names = "--fleet-concurrency", defaultValue = "3", paramLabel = "K",
      description = "The fleet's maxConcurrent (default ${DEFAULT-VALUE}).")
  int fleetConcurrency;

  @Option(names = "--out", paramLabel = "FILE", description = "The page to write (default docs/benchmarks.md).")
  Path out;

  @Override
  public Integer call() throws Exception {
    PrintWriter console = spec.commandLine().getOut();
    List<Size> copySizes = parse(sizes);
    List<Size> movesAt = moveSizes == null ? copySizes : parse(moveSizes);
    for (String strategy : moveStrategies) {
      if (!List.of("dump-restore", "logical", MoveBench.ROLLBACK).contains(strategy)) {
        throw new CliException(ExitCode.USAGE, "--move-strategies: unknown strategy '" + strategy
            + "' (dump-restore, logical, " + MoveBench.ROLLBACK + ")");
      }
    }
    if (runs < 1 || runs > 20 || (moveRuns != null && moveRuns < 1) || players < 1 || players > 200) {
      throw new CliException(ExitCode.USAGE, "--runs is 1-20, --move-runs at least 1, --players 1-200");
    }
    if (fleetApps < 0 || fleetApps > 50 || (fleetApps > 0 && (fleetConcurrency < 1 || fleetConcurrency > fleetApps))) {
      throw new CliException(ExitCode.USAGE, "--fleet-apps is 0-50, --fleet-concurrency 1 to --fleet-apps");
    }
    Path page = out != null ? out : Checkout.root().resolve("docs/benchmarks.md");
    Prerequisites.ensure(line -> say(console, line));
    // The parse result's arguments start with the subcommand's own name.
    List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
    if (!args.isEmpty() && args.get(0).equals("bench")) {
      args.remove(0);
    }
    BenchPage.Results results = new BenchPage.Results(Machine.describe(), args);
    long began = System.nanoTime();
    Path work = Files.createTempDirectory("cutover-bench-");
    try (Machine.LoadSampler load = new Machine.LoadSampler()) {
      boolean pgcopydb = CopyBench.pgcopydbInstalled();
      if (!pgcopydb) {
        say(console, "pgcopydb is not installed (apt-get install pgcopydb): measured without it");
      }
      results.pgcopydb(pgcopydb);
      try (LocalCluster home = LocalCluster.start("bench-home"); LocalCluster arm = LocalCluster.start("bench-arm")) {
        CopyBench.makeDurable(arm);
        for (Size size : copySizes) {
          say(console, "building size " + size.name() + " (scale " + size.scale() + ")");
          BenchDatabase db = BenchDatabase.build(home, "game_" + size.name().toLowerCase(), size);
          say(console, String.format("size %s: %d rows, %.1f MB of table data, %.1f MB database, built in %.1f s",
              size.name(), db.rows(), db.tableMb(), db.databaseBytes() / 1e6, db.buildMillis() / 1000.0));
          CopyBench copy = new CopyBench(db, arm, work);
          List<CopyBench.Figures> copies = copy.measure(copy.tools(pgcopydb), runs, line -> say(console, line));
          List<FingerprintBench.Figures> prints = new FingerprintBench(db).measure(runs, line -> say(console, line));
          results.size(new BenchPage.SizeResult(db.size(), db.rows(), db.tableBytes(), db.databaseBytes(), copies,
              prints));
          try (var c = home.connect("postgres"); var s = c.createStatement()) {
            s.execute("DROP DATABASE " + dev.cutover.database.Sql.ident(db.name()) + " WITH (FORCE)");
          }
        }
      }
      MoveBench moves = new MoveBench(players);
      if (movesAt.stream().anyMatch(size -> !size.name().equals("T"))) {
        // The first move of a fresh JVM loads and compiles the worker's code as it goes: 30-50 % slower
        // in its freeze than the runs after it at S. A user's worker runs for long; the timed runs match that.
        for (String strategy : moveStrategies) {
          say(console, "warm-up: one untimed " + strategy + " move at T");
          try {
            moves.move(Size.named("T"), strategy);
          } catch (Exception e) {
            say(console, "warm-up move " + strategy + " failed: " + e.getMessage());
          }
        }
      }
      for (Size size : movesAt) {
        say(console, "full moves at size " + size.name() + " under " + players + " player actions/s");
        int n = moveRuns != null ? moveRuns : size.scale() >= 5000 ? 1 : runs;
        List<String> strategies = logicalOnly.stream().anyMatch(size.name()::equalsIgnoreCase)
            ? moveStrategies.stream().filter("logical"::equals).toList() : moveStrategies;
        results.moves(moves.measure(size, n, strategies, line -> say(console, line)));
      }
      if (fleetApps > 0) {
        say(console, "a fleet of " + fleetApps + " apps at maxConcurrent " + fleetConcurrency + " against "
            + fleetApps + " moves one after the other");
        results.fleet(new FleetBench(fleetApps, fleetConcurrency).measure(runs, line -> say(console, line)));
      }
      results.finish(load.describe(), (System.nanoTime() - began) / 1_000_000_000L);
    } finally {
      Directories.deleteRecursively(work);
    }
    BenchPage.write(results, page);
    say(console, "wrote " + page + " and " + BenchPage.plotPath(page).getFileName());
    return ExitCode.OK;
  }

  private static List<Size> parse(List<String> names) {
    try {
      return names.stream().filter(n -> !n.equalsIgnoreCase("none")).map(Size::named).toList();
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCode.USAGE, e.getMessage());
    }
  }

  private static void say(PrintWriter out, String line) {
    out.println("[bench] " + line);
    out.flush();
  }
}
