package dev.cutover.workflow;

import dev.cutover.preflight.Journal;
import dev.cutover.temporal.Failures;
import dev.cutover.workflow.StepStatus.State;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The runbook's journal as the status query shows it: every step with its state, workflow-time start and
 * end, and a one-line detail. Workflow code only: times come from {@link Workflow#currentTimeMillis()}.
 */
final class Steps {

  private final List<StepStatus> steps = new ArrayList<>();

  /** Runs {@code action} as one recorded step; a failure is recorded with its reason and rethrown. */
  <T> T run(Phase at, String name, Supplier<T> action, Function<T, String> describe) {
    int index = begin(at, name);
    try {
      T result = action.get();
      end(index, State.DONE, describe.apply(result));
      return result;
    } catch (RuntimeException e) {
      end(index, State.FAILED, reason(e));
      throw e;
    }
  }

  void run(Phase at, String name, Runnable action, String done) {
    run(at, name, () -> {
      action.run();
      return null;
    }, r -> done);
  }

  int begin(Phase at, String name) {
    steps.add(new StepStatus(at, name, State.RUNNING, Workflow.currentTimeMillis(), null, null));
    return steps.size() - 1;
  }

  void update(int index, String detail) {
    StepStatus s = steps.get(index);
    steps.set(index, new StepStatus(s.phase(), s.name(), s.state(), s.startedAt(), null, detail));
  }

  void end(int index, State state, String detail) {
    steps.set(index, steps.get(index).finish(state, Workflow.currentTimeMillis(), detail));
  }

  void skip(Phase at, String name, String why) {
    long now = Workflow.currentTimeMillis();
    steps.add(new StepStatus(at, name, State.SKIPPED, now, now, why));
  }

  List<StepStatus> list() {
    return steps;
  }

  /** The steps of one phase, as preflight records them. */
  Journal in(Phase at) {
    return new Journal() {
      @Override
      public <T> T step(String name, Supplier<T> action, Function<T, String> describe) {
        return run(at, name, action, describe);
      }
    };
  }

  /** The innermost human-readable message: an activity's own failure text, not Temporal's wrapper. */
  static String reason(Throwable e) {
    return Failures.reason(e);
  }
}
