package dev.cutover.workflow;

import dev.cutover.database.DatabaseActivities;
import dev.cutover.database.DatabaseActivities.JournalRequest;
import dev.cutover.database.MoveJournal;
import dev.cutover.plan.Box;
import dev.cutover.plan.NamedService;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Workflow;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * The move's journal on its source database ({@link MoveJournal}): written before each step that changes
 * what a lost history could not otherwise undo (prepare, freeze, switch), and cleared when the move ends
 * with nothing left to finish or undo. Moves recorded before the journal existed replay without it.
 */
final class MoveJournals {

  private static final Logger log = Workflow.getLogger(MoveJournals.class);

  private final boolean on;
  private final DatabaseActivities database;
  private final Steps steps;
  private MoveRequest move;
  private MoveJournal current;

  MoveJournals(DatabaseActivities database, Steps steps, MoveRequest move) {
    this.on = Workflow.getVersion("journal", Workflow.DEFAULT_VERSION, 1) >= 1;
    this.database = database;
    this.steps = steps;
    this.move = move;
  }

  boolean on() {
    return on;
  }

  /** Recovery: the lost move's journal becomes this run's, so ending this run clears it. */
  void adopt(MoveRequest recovered, MoveJournal lost) {
    move = recovered;
    current = lost;
  }

  void prepare() {
    Box source = move.source();
    List<String> stopped = new ArrayList<>();
    stopped.add("app");
    source.writers().forEach(w -> stopped.add("writer " + w.name()));
    source.jobs().stream().map(NamedService::name).forEach(j -> stopped.add("job " + j));
    write(Phase.PREPARE, new MoveJournal(move.plan().app(), move.moveId(), MoveJournal.PREPARE, move.reverse(),
        source.name(), move.target().name(), stopped, source.name(), Workflow.currentTimeMillis()));
  }

  void freeze() {
    if (!on) {
      return;
    }
    write(Phase.FREEZE, current.at(MoveJournal.FREEZE, Workflow.currentTimeMillis()));
  }

  void switching() {
    if (!on) {
      return;
    }
    write(Phase.SWITCH, current.at(MoveJournal.SWITCH, Workflow.currentTimeMillis()));
  }

  /**
   * The move ended with nothing to recover: the journal goes. Best effort: a journal left behind only
   * makes the next start ask for `cutover recover`, which then finds nothing to change and clears it.
   */
  void clear(Phase at) {
    if (!on || current == null) {
      return;
    }
    try {
      steps.run(at, "clear the move's journal on " + move.source().name(),
          () -> database.clearJournal(request(current)), "cleared");
      current = null;
    } catch (TemporalFailure e) {
      log.warn("could not clear the move's journal on {}: {}", move.source().name(), Steps.reason(e));
    }
  }

  private void write(Phase at, MoveJournal entry) {
    if (!on) {
      return;
    }
    steps.run(at, "journal on " + move.source().name() + ": " + entry.step(),
        () -> database.record(request(entry)), "recorded what the " + entry.step() + " changes");
    current = entry;
  }

  private JournalRequest request(MoveJournal entry) {
    return new JournalRequest(move.source().name(), move.source().database(), entry);
  }
}
