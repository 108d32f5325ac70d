package dev.cutover.workflow;

import dev.cutover.database.DatabaseActivities.DatabaseInfo;
import dev.cutover.database.Markers;
import dev.cutover.database.MoveJournal;
import dev.cutover.workflow.CutoverRequest.Recover;

/**
 * What {@code cutover recover} does with a move whose history was lost, decided from the databases alone:
 * the journal on the lost move's source and the marker on its target. A target whose marker says live
 * may hold users' writes, so such a move is only ever finished; any other is rolled back unless the user
 * asks to finish it, and finishing then re-proves the copy at the verify gate first.
 */
final class Recovery {

  enum Action {
    /** No journal: nothing was left unfinished. */
    NOTHING,
    /** What was asked cannot be done without losing something; nothing changes. */
    REFUSE,
    FINISH,
    ROLLBACK
  }

  /**
   * @param reverse whether the lost move was a rollback, whose source is the written plan's target
   * @param targetLive whether the lost move's target had gone live
   */
  record Decision(Action action, MoveJournal journal, boolean reverse, boolean targetLive, String why) {}

  private Recovery() {}

  /** {@code written} are the written plan's source and target as inspected now. */
  static Decision decide(String app, DatabaseInfo writtenSource, DatabaseInfo writtenTarget, Recover mode) {
    boolean reverse = writtenSource.journal() == null && writtenTarget.journal() != null;
    DatabaseInfo source = reverse ? writtenTarget : writtenSource;
    DatabaseInfo target = reverse ? writtenSource : writtenTarget;
    MoveJournal journal = source.journal();
    if (journal == null) {
      return new Decision(Action.NOTHING, null, false, false,
          "no unfinished move of " + app + " is recorded on " + writtenSource.box() + " or " + writtenTarget.box()
              + ": nothing to recover");
    }
    if (!writtenSource.reachable() || !writtenTarget.reachable()) {
      DatabaseInfo down = writtenSource.reachable() ? writtenTarget : writtenSource;
      return new Decision(Action.REFUSE, journal, reverse, false, "found the " + journal.summary()
          + " unfinished, but cannot reach " + down.box() + " (" + down.error() + "): whether its database took"
          + " writes decides what is safe, so nothing changes until both answer");
    }
    if (journal.reverse() != reverse) {
      return new Decision(Action.REFUSE, journal, reverse, false, "the journal on " + source.box() + " is of the "
          + journal.summary() + ", which does not match this plan's direction: recover it with the plan it was"
          + " started with");
    }
    if (!app.equals(journal.app())) {
      return new Decision(Action.REFUSE, journal, reverse, false,
          "the journal on " + source.box() + " is of " + journal.summary() + ", not of " + app
              + ": recover it with that app's plan");
    }
    String marker = target.exists() ? target.marker() : null;
    boolean live = Markers.isOurs(marker, app) && Markers.isLive(marker)
        && journal.run().equals(Markers.fields(marker).get("move"));
    String found = "found the " + journal.summary() + " unfinished; " + target.box() + " is "
        + (live ? "live (it may hold users' writes)" : target.exists() ? "not live" : "absent");
    Recover wanted = mode == null ? Recover.AUTO : mode;
    if (live && wanted == Recover.ROLLBACK) {
      return new Decision(Action.REFUSE, journal, reverse, true, found
          + ": rolling back could lose what users did there; finish it (cutover recover PLAN), then move back"
          + " with cutover rollback if you must");
    }
    if (!live && wanted == Recover.FINISH && !target.exists()) {
      return new Decision(Action.REFUSE, journal, reverse, false, found
          + ": there is no copy to finish with; roll it back (cutover recover PLAN --rollback)");
    }
    boolean finish = live || wanted == Recover.FINISH;
    return new Decision(finish ? Action.FINISH : Action.ROLLBACK, journal, reverse, live,
        found + (finish ? "; finishing it" : "; rolling it back"));
  }
}
