package dev.cutover.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "watch",
    mixinStandardHelpOptions = true,
    description = {
      "Follow a move live until it ends, and exit with its outcome's code.",
      "On a terminal it redraws in place; piped, it prints one line per change. Ctrl-C stops only the",
      "watching: the move goes on."
    })
class WatchCommand implements Callable<Integer> {

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(paramLabel = "APP", description = "The app whose move to follow.")
  String app;

  @Override
  public Integer call() throws InterruptedException {
    return new Watcher(spec.commandLine().getOut(), connection.client(), app).follow();
  }
}
