package dev.cutover.workflow;

/** Ends the forward path of a move: the saga then compensates and the move ends with {@link #outcome}. */
final class StopMove extends RuntimeException {

  final Outcome outcome;

  StopMove(Outcome outcome, String message) {
    super(message);
    this.outcome = outcome;
  }
}
