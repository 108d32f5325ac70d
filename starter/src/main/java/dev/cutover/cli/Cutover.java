package dev.cutover.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import io.grpc.StatusRuntimeException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code cutover} command. Subcommands that need more than the plan model and a Temporal client
 * (the worker, the demo) are supplied by the full distribution through {@link #commandLine(Map)}.
 */
@Command(
    name = "cutover",
    mixinStandardHelpOptions = true,
    version = "cutover 0.1.0",
    description = "Move a live PostgreSQL-backed app to another server: one writer, ever; nothing lost.",
    footer = {
      "",
      "Exit codes: 0 done, 1 compare found differences, 2 bad usage or invalid plan,",
      "3 aborted or rolled back with nothing lost, 4 failed and needs a human,",
      "5 Temporal unreachable."
    })
public class Cutover implements Runnable {

  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getErr());
    throw new CliException(ExitCode.USAGE, "name a command");
  }

  public static void main(String[] args) {
    System.exit(execute(commandLine(Map.of()), args));
  }

  /** Every command of DESIGN.md, in the order the help lists them; {@code overrides} replace by name. */
  public static CommandLine commandLine(Map<String, Object> overrides) {
    quietLogging();
    Map<String, Object> commands = new LinkedHashMap<>();
    commands.put("demo", new Unavailable.Demo());
    commands.put("dev-server", new DevServerCommand());
    commands.put("worker", new Unavailable.Worker());
    commands.put("validate", new ValidateCommand());
    commands.put("start", new StartCommand());
    commands.put("confirm", new ConfirmCommand());
    commands.put("abort", new AbortCommand());
    commands.put("status", new StatusCommand());
    commands.put("watch", new WatchCommand());
    commands.put("rollback", new RollbackCommand());
    commands.put("close", new CloseCommand());
    commands.put("recover", new RecoverCommand());
    commands.put("report", new ReportCommand());
    commands.put("compare", new CompareCommand());
    commands.put("bench", new Unavailable.Bench());
    commands.putAll(overrides);
    CommandLine cli = new CommandLine(new Cutover());
    commands.forEach(cli::addSubcommand);
    // One writer pair for every command (set after the subcommands, so it reaches them all): execute()
    // flushes it, whatever a command printed with, before the launcher exits.
    cli.setOut(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
    cli.setErr(new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      Optional<StatusRuntimeException> outage = TemporalOutage.of(e);
      if (!(e instanceof CliException) && outage.isPresent()) {
        e = TemporalOutage.stoppedAnswering(addressOf(cmd), outage.get());
      }
      if (e instanceof CliException failure) {
        cmd.getErr().println("cutover: " + failure.getMessage());
        return failure.exitCode();
      }
      cmd.getErr().println("cutover: unexpected error: " + e);
      if (System.getenv("CUTOVER_DEBUG") != null) {
        e.printStackTrace(cmd.getErr());
      } else {
        cmd.getErr().println("(set CUTOVER_DEBUG=1 for the stack trace)");
      }
      return ExitCode.NEEDS_HUMAN;
    });
    return cli;
  }

  /** Runs a command and flushes everything it wrote, so nothing is lost to {@code System.exit}. */
  public static int execute(CommandLine cli, String... args) {
    try {
      return cli.execute(args);
    } finally {
      cli.getOut().flush();
      cli.getErr().flush();
    }
  }

  /** The Temporal address the failing command used (its {@code --address} mixin), for the message. */
  private static String addressOf(CommandLine cmd) {
    CommandSpec mixin = cmd.getCommandSpec().mixins().get("connection");
    if (mixin != null && mixin.userObject() instanceof ConnectionOptions options) {
      return options.address;
    }
    return System.getenv().getOrDefault("TEMPORAL_ADDRESS", dev.cutover.temporal.TemporalConnection.DEFAULT_ADDRESS);
  }

  /**
   * The SDK logs connection chatter at INFO; a command line shows only what went wrong, and on stderr:
   * stdout is the command's answer ({@code --json} is parsed by scripts), so no log line may land there.
   * The worker command replaces this configuration with Spring Boot's own when it starts.
   */
  private static void quietLogging() {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext)) {
      return;
    }
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    // A command reports its own failures in one line; the SDK's per-attempt warnings (an in-process
    // worker's activity retries, a poller's reconnects) would bury that line in stack traces.
    ((Logger) LoggerFactory.getLogger("io.temporal")).setLevel(Level.ERROR);
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      if (it.next() instanceof ConsoleAppender<ILoggingEvent> console && !"System.err".equals(console.getTarget())) {
        console.stop();
        console.setTarget("System.err");
        console.start();
      }
    }
  }
}
