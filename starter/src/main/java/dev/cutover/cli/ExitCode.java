package dev.cutover.cli;

/** The documented exit codes (DESIGN.md, docs/operations.md). */
public final class ExitCode {

  public static final int OK = 0;
  /** compare: the databases differ. */
  public static final int DIFFERENT = 1;
  public static final int USAGE = 2;
  public static final int STOPPED_NOTHING_LOST = 3;
  public static final int NEEDS_HUMAN = 4;
  public static final int TEMPORAL_UNREACHABLE = 5;

  private ExitCode() {}
}
