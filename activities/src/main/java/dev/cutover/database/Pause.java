package dev.cutover.database;

import dev.cutover.workflow.CutoverFailure;

/** The wait between two polls of a server's state; an interrupt ends the activity's attempt. */
final class Pause {

  private Pause() {}

  static void millis(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CutoverFailure.COPY_FAILED.failure("interrupted", e);
    }
  }
}
