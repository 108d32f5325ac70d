package dev.cutover.workflow;

/** How a move ended; the command line maps each to a documented exit code. */
public enum Outcome {
  /** The target serves, verified. */
  COMPLETED(0),
  /** A rehearsal ran phases 1 to 3 and a timed copy; nothing was frozen. */
  REHEARSED(0),
  /** Preflight found blocking problems; nothing was changed. */
  BLOCKED(3),
  /** A human aborted; every step taken was compensated. */
  ABORTED(3),
  /** A gate failed; every step taken was compensated and the source serves again. */
  ROLLED_BACK(3),
  /** Something could not be undone automatically: a human must look. */
  FAILED(4);

  private final int exitCode;

  Outcome(int exitCode) {
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
