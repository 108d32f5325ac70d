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
  /** Set while work is scheduled ahead of the step that will wait for it ({@link #scheduleFor}). */
  private String scheduling;
  private Runnable changed = () -> {};

  /** Called after every change to the steps, so what the web UI shows of the move follows them. */
  void onChange(Runnable changed) {
    this.changed = changed;
  }

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
    changed.run();
    return steps.size() - 1;
  }

  void update(int index, String detail) {
    StepStatus s = steps.get(index);
    steps.set(index, new StepStatus(s.phase(), s.name(), s.state(), s.startedAt(), null, detail));
    changed.run();
  }

  void end(int index, State state, String detail) {
    steps.set(index, steps.get(index).finish(state, Workflow.currentTimeMillis(), detail));
    changed.run();
  }

  /**
   * Ends step {@code index} at {@code endedAt} and records {@code name} as the step that followed it until now:
   * two steps one activity did, split where its own report says the second began.
   */
  void split(int index, long endedAt, String detail, String name, String nextDetail) {
    StepStatus first = steps.get(index);
    long at = Math.max(first.startedAt(), Math.min(endedAt, Workflow.currentTimeMillis()));
    steps.set(index, first.finish(State.DONE, at, detail));
    steps.add(new StepStatus(first.phase(), name, State.DONE, at, Workflow.currentTimeMillis(), nextDetail));
    changed.run();
  }

  void skip(Phase at, String name, String why) {
    long now = Workflow.currentTimeMillis();
    steps.add(new StepStatus(at, name, State.SKIPPED, now, now, why));
    changed.run();
  }

  /**
   * Activities scheduled by {@code schedule} are labelled {@code step}, the step that waits for them later
   * (two inspections started at once, each waited for as its own step).
   */
  <T> T scheduleFor(String step, Supplier<T> schedule) {
    String outer = scheduling;
    scheduling = step;
    try {
      return schedule.get();
    } finally {
      scheduling = outer;
    }
  }

  /** The words of the innermost step running now, or null: what an activity scheduled now is part of. */
  String current() {
    if (scheduling != null) {
      return scheduling;
    }
    StepStatus running = running(steps);
    return running == null ? null : running.name();
  }

  /** The innermost step still running: steps nest (a compensation's check inside it), never overlap. */
  static StepStatus running(List<StepStatus> steps) {
    for (int i = steps.size() - 1; i >= 0; i--) {
      if (steps.get(i).state() == State.RUNNING) {
        return steps.get(i);
      }
    }
    return null;
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

      @Override
      public <T> T scheduleFor(String step, Supplier<T> schedule) {
        return Steps.this.scheduleFor(step, schedule);
      }
    };
  }

  /** The innermost human-readable message: an activity's own failure text, not Temporal's wrapper. */
  static String reason(Throwable e) {
    return Failures.reason(e);
  }
}
