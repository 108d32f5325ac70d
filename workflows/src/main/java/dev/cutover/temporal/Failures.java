package dev.cutover.temporal;

import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TimeoutFailure;

/** What a Temporal failure says to a human. */
public final class Failures {

  private Failures() {}

  /** The innermost human-readable message: an activity's own failure text, not Temporal's wrapper. */
  public static String reason(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof ApplicationFailure af) {
        return af.getOriginalMessage();
      }
      if (c instanceof TimeoutFailure tf) {
        return "timed out (" + tf.getTimeoutType().name().toLowerCase().replace("timeout_type_", "") + ")";
      }
    }
    return e.getMessage();
  }
}
