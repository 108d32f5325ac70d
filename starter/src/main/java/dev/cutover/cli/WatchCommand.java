package dev.cutover.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
      "Follow a move live until it ends, and exit with its outcome's code.",
      "On a terminal it redraws in place; piped, it prints one line per change. Ctrl-C stops only the",
      "watching: the move goes on. With --fleet NAME: a line each time an app of the fleet changes, then the",
      "fleet's table; the exit code is the worst app's."
    })
class WatchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(paramLabel = "APP", arity = "0..1", description = "The app whose move to follow.")
  String app;

  @Option(names = "--fleet", paramLabel = "NAME", description = "Follow the fleet NAME instead.")
  String fleet;

  @Override
  public Integer call() throws InterruptedException {
    Fleets.requireOne(app, fleet, "watch");
    if (fleet != null) {
      return new FleetWatcher(spec.commandLine().getOut(), connection.client(), fleet).follow();
    }
    return new Watcher(spec.commandLine().getOut(), connection.client(), app).follow();
  }
}
