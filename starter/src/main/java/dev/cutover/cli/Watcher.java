package dev.cutover.cli;

import dev.cutover.workflow.CutoverResult;
import dev.cutover.workflow.CutoverStatus;
import dev.cutover.workflow.StepStatus;
import io.temporal.client.WorkflowClient;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Follows a move until it ends. On a terminal it redraws the whole status in place; piped, it prints
 * one line per step change, so a log or CI captures a readable story.
 */
public final class Watcher {

  private static final long POLL_MILLIS = 500;
  /** A real cluster restarting answers again within this; past it, the command says so and exits 5. */

  private final PrintWriter out;
  private final WorkflowClient client;
  private final String app;
  private final boolean terminal;
  private final Map<Integer, String> printed = new HashMap<>();

  private final Consumer<CutoverStatus> onStatus;

  private final boolean hookOnInterrupt;

  /** A command's own watch ({@code watch}, {@code start --wait}): it says what Ctrl-C left running. */
  Watcher(PrintWriter out, WorkflowClient client, String app) {
    this(out, client, app, System.console() != null && System.getenv("CUTOVER_PLAIN") == null, status -> { }, true);
  }

  /** {@code onStatus} sees every status shown, on the watching thread (the demo answers the gate there). */
  public Watcher(PrintWriter out, WorkflowClient client, String app, boolean terminal, Consumer<CutoverStatus> onStatus) {
    this(out, client, app, terminal, onStatus, false);
  }

  private Watcher(PrintWriter out, WorkflowClient client, String app, boolean terminal,
      Consumer<CutoverStatus> onStatus, boolean hookOnInterrupt) {
    this.out = out;
    this.client = client;
    this.app = app;
    this.terminal = terminal;
    this.onStatus = onStatus;
    this.hookOnInterrupt = hookOnInterrupt;
  }

  /**
   * Returns the exit code of the move's outcome. Ctrl-C stops only the following: the move goes on in
   * Temporal, and the message says how to pick it up again.
   */
  public int follow() throws InterruptedException {
    Thread interrupted = new Thread(() -> {
      out.println();
      out.println("stopped following the move of " + app + "; the move itself goes on. Follow it again with"
          + " `cutover watch " + app + "`, or stop it with `cutover abort " + app + "`.");
      out.flush();
    });
    boolean hooked = hook(interrupted);
    try {
      return followUntilEnd();
    } finally {
      if (hooked) {
        try {
          Runtime.getRuntime().removeShutdownHook(interrupted);
        } catch (IllegalStateException shuttingDown) {
          // The hook is already running: Ctrl-C arrived as the move ended.
        }
      }
    }
  }

  /** In-process callers (the demo, tests) run many watches in one JVM; only a command's own one hooks. */
  private boolean hook(Thread hook) {
    if (!hookOnInterrupt) {
      return false;
    }
    Runtime.getRuntime().addShutdownHook(hook);
    return true;
  }

  private int followUntilEnd() throws InterruptedException {
    OutageGrace outage = new OutageGrace(out);
    while (true) {
      try {
        Integer ended = poll();
        if (ended != null) {
          return ended;
        }
        outage.answered();
      } catch (RuntimeException e) {
        outage.failed(e);
      }
      Thread.sleep(POLL_MILLIS);
    }
  }

  /** One look at the move: its outcome's exit code once it has ended, else null. */
  private Integer poll() {
    Moves.Move move = Moves.describe(client, app);
    if (!move.running()) {
      CutoverResult result = Moves.result(client, move);
      show(result.status());
      out.println();
      out.println(StatusView.render(result.status()));
      out.println(result.outcome() + ": " + result.summary());
      out.flush();
      return result.outcome().exitCode();
    }
    try {
      CutoverStatus status = Moves.status(client, move);
      show(status);
      showRetries(Moves.pending(client, move));
      onStatus.accept(status);
    } catch (CliException noWorker) {
      // A worker restarting mid-move is normal; the move waits for it, and so does watch.
      if (!noWorker.getMessage().equals(printed.put(-1, noWorker.getMessage()))) {
        out.println("(" + noWorker.getMessage() + ")");
        out.flush();
      }
    }
    return null;
  }

  /** A step being retried is worth a line: which attempt, and why the last one failed. */
  private void showRetries(List<Moves.PendingActivity> pending) {
    for (Moves.PendingActivity a : pending) {
      if (a.attempt() > 1) {
        String line = "retrying " + a.activity() + ": attempt " + a.attempt()
            + (a.lastFailure() == null ? "" : ", last failure: " + a.lastFailure());
        if (!line.equals(printed.put(-2 - a.activity().hashCode(), line))) {
          out.println(line);
          out.flush();
        }
      }
    }
  }

  private void show(CutoverStatus status) {
    if (terminal) {
      out.print("\033[H\033[2J");
      out.print(StatusView.render(status));
      out.flush();
      return;
    }
    for (int i = 0; i < status.steps().size(); i++) {
      StepStatus step = status.steps().get(i);
      String line = String.format("%-12s %-8s %s%s", step.phase(), step.state(), step.name(),
          step.detail() == null ? "" : " — " + step.detail());
      if (!line.equals(printed.put(i, line))) {
        out.println(line);
      }
    }
    out.flush();
  }
}
