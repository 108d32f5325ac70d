package dev.cutover.preflight;

import java.util.function.Function;
import java.util.function.Supplier;

/** Where preflight records each inspection it runs: the move's journal of steps, which its status shows. */
public interface Journal {

  /** Runs {@code action} as one recorded step; a failure is recorded with its reason and rethrown. */
  <T> T step(String name, Supplier<T> action, Function<T, String> describe);

  /** Work started now for the step {@code step} that waits for it later; its activities carry that step's words. */
  default <T> T scheduleFor(String step, Supplier<T> schedule) {
    return schedule.get();
  }
}
