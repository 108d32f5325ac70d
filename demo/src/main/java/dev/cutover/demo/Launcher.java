package dev.cutover.demo;

import dev.cutover.bench.BenchCommand;
import dev.cutover.cli.Cutover;
import java.util.Map;

/** The main class behind {@code ./cutover}: the command line with the worker, the demo and the benchmark included. */
public final class Launcher {

  private Launcher() {}

  public static void main(String[] args) {
    int code = Cutover.execute(
        Cutover.commandLine(Map.of("worker", new WorkerCommand(), "demo", new DemoCommand(), "bench", new BenchCommand())), args);
    System.exit(code);
  }
}
