package dev.cutover.demo;

import dev.cutover.cli.Cutover;
import java.util.Map;

/** The main class behind {@code ./cutover}: the command line with the worker and the demo included. */
public final class Launcher {

  private Launcher() {}

  public static void main(String[] args) {
    int code = Cutover.execute(
        Cutover.commandLine(Map.of("worker", new WorkerCommand(), "demo", new DemoCommand())), args);
    System.exit(code);
  }
}
