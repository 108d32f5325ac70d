package dev.cutover.workflow;

/** Task-queue names shared by the worker, the workflow and the command line. */
public final class TaskQueues {

  /** The workflow and every activity that has no box of its own to run on. */
  public static final String MAIN = "cutover";

  private TaskQueues() {}
}
