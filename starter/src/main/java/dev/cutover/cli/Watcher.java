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

  private final PrintWriter out;
  private final WorkflowClient client;
  private final String app;
  private final boolean terminal;
  private final Map<Integer, String> printed = new HashMap<>();

  private final Consumer<CutoverStatus> onStatus;

  Watcher(PrintWriter out, WorkflowClient client, String app) {
    this(out, client, app, System.console() != null && System.getenv("CUTOVER_PLAIN") == null, status -> { });
  }

  /** {@code onStatus} sees every status shown, on the watching thread (the demo answers the gate there). */
  public Watcher(PrintWriter out, WorkflowClient client, String app, boolean terminal, Consumer<CutoverStatus> onStatus) {
    this.out = out;
    this.client = client;
    this.app = app;
    this.terminal = terminal;
    this.onStatus = onStatus;
  }

  /** Returns the exit code of the move's outcome. */
  public int follow() throws InterruptedException {
    while (true) {
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
      Thread.sleep(POLL_MILLIS);
    }
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
