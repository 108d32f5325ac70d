package dev.cutover.database;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/**
 * What a move is about to change, written on the source database before it changes it (as the setting
 * {@code cutover.journal}), so that a move whose Temporal history is lost can still be finished or undone
 * from the databases alone ({@code cutover recover}). The target's own state is its marker ({@link Markers})
 * and its fence; together they say everything recovery needs. Never a secret: names and steps only.
 *
 * @param step {@code prepare} (the target is being created and filled), {@code freeze} (the source's services
 *     below are being stopped and its database fenced), {@code switch} (the target is being made live)
 * @param reverse whether the lost move was a rollback (its source is the written plan's target)
 * @param stopped the source's services the freeze stops, as the plan names them ("app", "writer nightly")
 * @param frontDoorWas the box the front door pointed at before the move
 */
public record MoveJournal(
    String app, String run, String step, boolean reverse, String source, String target, List<String> stopped,
    String frontDoorWas, long at) {

  public static final String PREPARE = "prepare";
  public static final String FREEZE = "freeze";
  public static final String SWITCH = "switch";

  public MoveJournal {
    stopped = stopped == null ? List.of() : List.copyOf(stopped);
  }

  public MoveJournal at(String nextStep, long now) {
    return new MoveJournal(app, run, nextStep, reverse, source, target, stopped, frontDoorWas, now);
  }

  public MoveJournal withRun(String otherRun) {
    return new MoveJournal(app, otherRun, step, reverse, source, target, stopped, frontDoorWas, at);
  }

  @JsonIgnore
  public String summary() {
    return (reverse ? "rollback" : "move") + " " + run + " of " + app + " (" + source + " -> " + target
        + ") at step " + step;
  }
}
