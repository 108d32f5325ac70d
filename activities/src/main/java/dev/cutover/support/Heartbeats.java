package dev.cutover.support;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import java.time.Duration;
import java.util.function.Supplier;

/** Heartbeats with progress; a no-op when the code runs outside an activity (tools, direct tests). */
public final class Heartbeats {

  private static final Duration EVERY = Duration.ofSeconds(1);

  private Heartbeats() {}

  public static void send(Object details) {
    try {
      Activity.getExecutionContext().heartbeat(details);
    } catch (IllegalStateException notInActivity) {
      // Called outside a Temporal activity: there is no one to tell.
    }
  }

  /**
   * Heartbeats every second from a thread of its own, for work that can block where it cannot heartbeat
   * itself (a read from a tool that stalled on a lock or a dead link sends nothing, so Temporal would time the
   * attempt out and start a second one beside it). When the heartbeat says the activity was cancelled, or its
   * attempt is over, {@code onStop} runs: it must unblock the work (kill the tools), and {@link Pulse#stopped}
   * then holds the reason to rethrow. Outside an activity it does nothing.
   */
  public static Pulse pulse(Supplier<Object> details, Runnable onStop) {
    ActivityExecutionContext context;
    try {
      context = Activity.getExecutionContext();
    } catch (IllegalStateException notInActivity) {
      return new Pulse(null);
    }
    Pulse pulse = new Pulse(context);
    pulse.thread = new Thread(() -> pulse.beat(details, onStop), "heartbeat-" + context.getInfo().getActivityType());
    pulse.thread.setDaemon(true);
    pulse.thread.start();
    return pulse;
  }

  /** A running {@link #pulse}; closing it stops the heartbeats. */
  public static final class Pulse implements AutoCloseable {
    private final ActivityExecutionContext context;
    private Thread thread;
    private volatile boolean closed;
    private volatile ActivityCompletionException stopped;

    private Pulse(ActivityExecutionContext context) {
      this.context = context;
    }

    private void beat(Supplier<Object> details, Runnable onStop) {
      try {
        while (!closed) {
          Thread.sleep(EVERY.toMillis());
          if (!closed) {
            context.heartbeat(details.get());
          }
        }
      } catch (ActivityCompletionException e) {
        stopped = e;
        onStop.run();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Why the work was stopped (cancelled, or its attempt timed out), or null. */
    public ActivityCompletionException stopped() {
      return stopped;
    }

    @Override
    public void close() {
      closed = true;
      if (thread != null) {
        thread.interrupt();
      }
    }
  }
}
