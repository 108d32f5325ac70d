package dev.cutover.demo;

import dev.cutover.bench.BenchCommand;
import dev.cutover.cli.CompareCommand;
import dev.cutover.cli.Cutover;
import dev.cutover.worker.InProcessWorker;
import java.util.Map;

/**
 * The main class behind {@code ./cutover}: the command line with the worker, the demo and the benchmark
 * included, and a compare that can bring its own worker. {@link Cutover#execute} has flushed everything
 * the command printed before the exit.
 */
public final class Launcher {

  private Launcher() {}

  public static void main(String[] args) {
    int code = Cutover.execute(Cutover.commandLine(Map.of("worker", new WorkerCommand(), "demo", new DemoCommand(),
        "bench", new BenchCommand(), "compare", new CompareCommand(InProcessWorker::start))), args);
    System.exit(code);
  }
}
