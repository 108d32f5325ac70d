package dev.cutover.workflow;

import java.util.ArrayList;
import java.util.List;

/**
 * The move's saga: compensations registered before each change, run in reverse, each one attempted even
 * when an earlier one failed. Temporal's {@code Saga} with {@code continueWithError} runs them the same way
 * but swallows the failures, and a rollback that could not undo something must say so (the move then ends
 * FAILED, not ROLLED_BACK): this one returns them. Commands and their order are the same as Temporal's Saga.
 */
final class Rollback {

  private final List<Runnable> compensations = new ArrayList<>();

  void addCompensation(Runnable compensation) {
    compensations.add(compensation);
  }

  /** Runs every compensation, last registered first; returns the reason of each one that failed. */
  List<String> compensate() {
    List<String> failed = new ArrayList<>();
    for (int i = compensations.size() - 1; i >= 0; i--) {
      try {
        compensations.get(i).run();
      } catch (RuntimeException e) {
        failed.add(Steps.reason(e));
      }
    }
    compensations.clear();
    return failed;
  }
}
