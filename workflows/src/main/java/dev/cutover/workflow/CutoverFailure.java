package dev.cutover.workflow;

import io.temporal.failure.ApplicationFailure;
import java.util.Arrays;

/**
 * Every failure type an activity raises on purpose. Permanent ones are non-retryable: retrying a
 * fingerprint mismatch or a rejected API token only burns the blackout.
 */
public enum CutoverFailure {
  INVALID_PLAN(false),
  SECRET_MISSING(false),
  TARGET_NOT_OURS(false),
  VERSION_INCOMPATIBLE(false),
  FINGERPRINT_MISMATCH(false),
  COMMAND_NOT_FOUND(false),
  AUTH_REJECTED(false),
  NOT_SUPPORTED(false),
  VERIFY_LIVE_FAILED(false),
  DATABASE_MISSING(false),
  /** A disk is full: retrying inside the blackout only lengthens it; someone must make room first. */
  DISK_FULL(false),
  NOT_QUIESCENT(true),
  COMMAND_FAILED(true),
  DATABASE_UNAVAILABLE(true),
  COPY_FAILED(true),
  FRONT_DOOR_FAILED(true),
  /** A PgBouncer PAUSE that could not finish in the plan's pauseTimeout; it was cancelled with RESUME. */
  PAUSE_TIMED_OUT(false);

  private final boolean retryable;

  CutoverFailure(boolean retryable) {
    this.retryable = retryable;
  }

  public boolean retryable() {
    return retryable;
  }

  public ApplicationFailure failure(String message) {
    return failure(message, null);
  }

  public ApplicationFailure failure(String message, Throwable cause) {
    return retryable
        ? ApplicationFailure.newFailureWithCause(message, name(), cause)
        : ApplicationFailure.newNonRetryableFailureWithCause(message, name(), cause);
  }

  /** Failure types listed in every retry policy's do-not-retry list, as a second line of defence. */
  public static String[] nonRetryableTypes() {
    return Arrays.stream(values()).filter(f -> !f.retryable).map(Enum::name).toArray(String[]::new);
  }
}
