package dev.cutover.workflow;

import dev.cutover.hosts.HostActivities;
import dev.cutover.hosts.HostActivities.CommandRequest;
import dev.cutover.hosts.HostActivities.CommandResult;
import dev.cutover.hosts.HostActivities.ServiceChangeRequest;
import dev.cutover.hosts.HostActivities.ServiceChanged;
import dev.cutover.hosts.HostActivities.StateCheckRequest;
import dev.cutover.plan.Box;
import dev.cutover.plan.Host;
import dev.cutover.plan.Service;
import dev.cutover.workflow.StepStatus.State;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;

/**
 * The plan's services on one box: stop or start each with its command, prove the effect with the plan's
 * check, and register the opposite on the saga first, so a failure halfway still undoes what ran.
 */
final class BoxControl {

  private final Steps steps;
  private final Rollback saga;
  /** Commands for a box without a worker of its own run on the workflow's queue. */
  private final HostActivities local;
  private final StepStubs summarized;

  BoxControl(Steps steps, Rollback saga) {
    this.steps = steps;
    this.saga = saga;
    this.summarized = new StepStubs(steps);
    this.local = summarized.of(HostActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.HOSTS);
  }

  /** Commands for a box with its own worker go to that worker's task queue; the rest run here. */
  HostActivities hostsFor(Box box) {
    if (box.host().exec() != Host.Exec.WORKER) {
      return local;
    }
    return summarized.of(HostActivities.class,
        ActivityPolicies.DEFAULT.toBuilder().setTaskQueue(box.host().taskQueue()).build(), ActivityPolicies.HOSTS);
  }

  void stop(Phase at, Box box, String what, Service service) {
    change(at, box, what, service, false);
  }

  void start(Phase at, Box box, String what, Service service) {
    change(at, box, what, service, true);
  }

  /** One of a box's services, by the words its steps use ("app", "writer nightly", "job grader"). */
  record Named(String what, Service service) {}

  /**
   * Stops ({@code running} false) or starts every service at once, each as {@link #stop}/{@link #start} would
   * (undo registered first, command, check), and waits for all of them: inside the blackout a box's services
   * cost the slowest one's time, not their sum. A failure is rethrown once every other change has settled, so
   * the rollback never races a command still running. Undos are registered in list order.
   */
  void changeAll(Phase at, Box box, List<Named> services, boolean running) {
    List<Promise<Void>> changes = new ArrayList<>();
    for (Named service : services) {
      changes.add(Async.procedure(() -> change(at, box, service.what(), service.service(), running)));
    }
    RuntimeException first = null;
    for (Promise<Void> change : changes) {
      try {
        change.get();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  /**
   * Registers the start of a service that a move whose history was lost had stopped (recovery), as if
   * this run had stopped it: the rollback then starts it and proves it running.
   */
  void startOnRollback(Phase at, Box box, String what, Service service) {
    registerUndo(at, box, what, service, false);
  }

  /**
   * Registers the stop of a service that a lost move may have started before its freeze (the target's app,
   * started ahead): rolling the lost move back stops it, and stopping a service that never ran is harmless.
   */
  void stopOnRollback(Phase at, Box box, String what, Service service) {
    registerUndo(at, box, what, service, true);
  }

  /** Stops ({@code running} false) or starts the service, its opposite registered on the saga first. */
  private void change(Phase at, Box box, String what, Service service, boolean running) {
    registerUndo(at, box, what, service, running);
    String purpose = (running ? "start " : "stop ") + what;
    List<String> argv = running ? service.start() : service.stop();
    if (argv.isEmpty() || service.check() == null || !changeWithCheck()) {
      command(at, box, purpose, argv);
      proveState(at, box, what, service, running);
      return;
    }
    int step = steps.begin(at, purpose + " on " + box.name());
    ServiceChanged changed;
    try {
      changed = hostsFor(box).change(new ServiceChangeRequest(commandRequest(box, purpose, argv),
          stateRequest(box, what, service, running)));
    } catch (ActivityFailure once) {
      // The one try of both failed: the command and the check as their own activities, each with its retries.
      try {
        CommandResult r = run(box, purpose, argv);
        steps.end(step, State.DONE, done(r) + " (tried with its check first: " + Steps.reason(once) + ")");
      } catch (RuntimeException e) {
        steps.end(step, State.FAILED, Steps.reason(e));
        throw e;
      }
      proveState(at, box, what, service, running);
      return;
    }
    // One activity did both: the check's own time is its step's, the rest (scheduling, the command) the command's.
    steps.split(step, Workflow.currentTimeMillis() - changed.state().millis(), done(changed.command()),
        checkName(box, what, running), changed.state().detail());
  }

  /**
   * Whether a service with a check is changed and proven by one activity (see {@link #change}). Moves
   * recorded before replay with two.
   */
  static boolean changeWithCheck() {
    return Workflow.getVersion("change-with-check", Workflow.DEFAULT_VERSION, 1) == 1;
  }

  private static String done(CommandResult r) {
    return "exit " + r.exitCode() + " in " + r.millis() + " ms";
  }

  private static String checkName(Box box, String what, boolean running) {
    return "check " + what + " on " + box.name() + (running ? " is running" : " is stopped");
  }

  private void registerUndo(Phase at, Box box, String what, Service service, boolean running) {
    List<String> undo = running ? service.stop() : service.start();
    String undoPurpose = (running ? "stop " : "start ") + what;
    if (!undo.isEmpty()) {
      saga.addCompensation(() -> steps.run(Phase.ROLLBACK, undoPurpose + " on " + box.name(), () -> {
        run(box, undoPurpose, undo);
        proveState(at, box, what, service, !running);
      }, "done"));
    }
  }

  /** One plan command as a step; a plan without it skips the step, saying so. */
  void command(Phase at, Box box, String purpose, List<String> argv) {
    if (argv.isEmpty()) {
      steps.skip(at, purpose + " on " + box.name(), "no command in the plan");
      return;
    }
    steps.run(at, purpose + " on " + box.name(), () -> run(box, purpose, argv), BoxControl::done);
  }

  /** A command's exit code is a claim; the plan's check is the proof that the service really stopped or ran. */
  private void proveState(Phase at, Box box, String what, Service service, boolean running) {
    if (service.check() == null) {
      return;
    }
    steps.run(at, checkName(box, what, running), () -> hostsFor(box).verifyState(stateRequest(box, what, service, running)),
        r -> r.detail());
  }

  private static StateCheckRequest stateRequest(Box box, String what, Service service, boolean running) {
    return new StateCheckRequest(box.name(), box.host(), what, service.check(), running,
        ActivityPolicies.STATE_CHECK.inner());
  }

  private static CommandRequest commandRequest(Box box, String purpose, List<String> argv) {
    return new CommandRequest(box.name(), box.host(), purpose, argv, ActivityPolicies.COMMAND.inner());
  }

  private CommandResult run(Box box, String purpose, List<String> argv) {
    return hostsFor(box).run(commandRequest(box, purpose, argv));
  }
}
