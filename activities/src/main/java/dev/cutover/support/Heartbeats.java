package dev.cutover.support;

import io.temporal.activity.Activity;

/** Heartbeats with progress; a no-op when the code runs outside an activity (tools, direct tests). */
public final class Heartbeats {

  private Heartbeats() {}

  public static void send(Object details) {
    try {
      Activity.getExecutionContext().heartbeat(details);
    } catch (IllegalStateException notInActivity) {
      // Called outside a Temporal activity: there is no one to tell.
    }
  }
}
