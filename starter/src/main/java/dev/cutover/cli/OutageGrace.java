package dev.cutover.cli;

import java.io.PrintWriter;

/**
 * How a command that follows a move (or a fleet) rides out Temporal not answering: it says so once, keeps
 * polling for {@link #MILLIS}, says when Temporal answers again, and past the grace lets the failure end the
 * command (exit 5). A failure that is not an outage ends it at once.
 */
final class OutageGrace {

  static final long MILLIS = 30_000;

  private final PrintWriter out;
  private Long since;

  OutageGrace(PrintWriter out) {
    this.out = out;
  }

  /** A poll that got an answer. */
  void answered() {
    if (since != null) {
      since = null;
      out.println("(Temporal answers again)");
      out.flush();
    }
  }

  /** A poll that failed: returns to poll again while the outage is within its grace, else rethrows. */
  void failed(RuntimeException e) {
    if (TemporalOutage.of(e).isEmpty()) {
      throw e;
    }
    long now = System.currentTimeMillis();
    if (since == null) {
      since = now;
      out.println("(Temporal is not answering: " + ConnectionOptions.rootMessage(e) + "; trying again for "
          + MILLIS / 1000 + " s)");
      out.flush();
    } else if (now - since > MILLIS) {
      throw e;
    }
  }
}
