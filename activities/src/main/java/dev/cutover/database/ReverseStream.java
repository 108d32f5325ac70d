package dev.cutover.database;

import dev.cutover.database.CopyActivities.LogicalRequest;
import dev.cutover.database.CopyActivities.LogicalStarted;
import dev.cutover.database.CopyActivities.ReverseClosed;
import dev.cutover.database.CopyActivities.ReverseRequest;
import dev.cutover.database.CopyActivities.ReverseStarted;
import dev.cutover.database.CopyActivities.ReverseState;

/** The reverse stream (see {@link CopyActivities#startReverse}). Placeholder until implemented. */
final class ReverseStream {

  private ReverseStream() {}

  static ReverseStarted start(ReverseRequest r) {
    throw new UnsupportedOperationException("not yet");
  }

  static ReverseState watch(ReverseRequest r) {
    throw new UnsupportedOperationException("not yet");
  }

  static ReverseClosed close(ReverseRequest r) {
    throw new UnsupportedOperationException("not yet");
  }

  /**
   * For a rollback's logical move ({@code r}: source = the live box, target = the fallback): a kept reverse
   * stream of this app, healthy, taken over for this move; null when there is none. {@code notAdopted} is
   * set on the result's path by the caller when a kept stream was found broken.
   */
  static LogicalStarted adopt(LogicalRequest r, String name) {
    return null;
  }

  static LogicalStarted adoptOrFail(LogicalRequest r) {
    throw new UnsupportedOperationException("not yet");
  }
}
