package dev.cutover.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.plan.Copy;
import dev.cutover.plan.Plan;
import dev.cutover.verify.TableComparison;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the Temporal web UI is given to show, checked as text (the UI itself cannot run here). */
class WebUiTest {

  @Test
  void theSummaryNamesTheKindOfRunTheAppBothBoxesAndHowTheDataMoves() {
    Plan plan = CutoverWorkflowTest.plan();
    Plan logical = new Plan(plan.app(), plan.source(), plan.target(), plan.settle(),
        new Copy(Copy.Strategy.LOGICAL, 2, Copy.Owner.TARGET_USER), plan.verify(), plan.frontDoor(), plan.health(),
        plan.confirm());

    assertEquals("move game: home -> arm (dump-restore)", WebUi.summary(CutoverRequest.move(plan, false, "ops")));
    assertEquals("rehearse moving game: home -> arm (logical)", WebUi.summary(CutoverRequest.move(logical, true, "ops")));
    // A rollback runs on the swapped plan and always copies with dump-restore.
    assertEquals("roll back game: arm -> home (dump-restore)",
        WebUi.summary(new CutoverRequest(logical.reversed(), false, "ops", true, "ops")));
    String details = WebUi.details(CutoverRequest.move(plan, false, "ops"));
    assertTrue(details.contains("**started by** ops") && details.contains("`cutover confirm game`"), details);
  }

  @Test
  void aSummaryIsOneLineOfAtMostTwoHundredBytesCutBetweenCharacters() {
    assertEquals("health at http://x/ ok", WebUi.oneLine("health at\n  http://x/ ok "));
    String longStep = "health at http://example.test/" + "é".repeat(150);
    String cut = WebUi.oneLine(longStep);
    assertTrue(cut.getBytes(StandardCharsets.UTF_8).length <= WebUi.SUMMARY_BYTES, cut);
    assertTrue(cut.endsWith("é…"), cut);
    assertEquals("drop change log", StepStubs.words("dropChangeLog"));
  }

  @Test
  void theCurrentDetailsShowThePhaseTheStepAndTheFingerprintsWithTheRestLeftToStatus() {
    List<TableComparison> tables = new ArrayList<>();
    for (int i = 0; i < WebUi.TABLES_SHOWN + 3; i++) {
      tables.add(table("public.t" + i, i == 1));
    }
    List<StepStatus> steps = List.of(
        new StepStatus(Phase.VERIFY, "fingerprint both sides", StepStatus.State.DONE, 1, 5L, "53 tables"),
        new StepStatus(Phase.ROLLBACK, "unfence source database", StepStatus.State.RUNNING, 6, null, null));
    CutoverStatus status = new CutoverStatus("game", "home", "arm", Phase.ROLLBACK, false, false, false, null, steps,
        List.of(), tables, 900L, 10L, null, null, null, "verify gate failed", List.of(), null, List.of(), null);

    String details = WebUi.currentDetails(status);

    assertTrue(details.startsWith("**phase** ROLLBACK  \n**running** unfence source database  \n"), details);
    assertTrue(details.contains("**stopping because** verify gate failed"), details);
    assertTrue(details.contains("| public.t0 | 10 | 10 | match |"), details);
    assertTrue(details.contains("| public.t1 | 10 | 11 | DIFFERS: row count differs |"), details);
    assertTrue(details.contains("| public.t49 |") && !details.contains("| public.t50 |"), details);
    assertTrue(details.contains("3 more tables: see `cutover status`.") && details.contains("1 of 53 tables differ"),
        details);
  }

  @Test
  void aFreezeInProgressShowsWhenItBeganAndItsBudgetAndAnEndedOneItsBlackoutBesideTheEstimate() {
    List<StepStatus> steps = List.of(
        new StepStatus(Phase.COPY, "dump and restore", StepStatus.State.RUNNING, 1, null, null));
    CutoverStatus frozen = new CutoverStatus("game", "home", "arm", Phase.COPY, false, false, false, null, steps,
        List.of(), List.of(), 900L, 1_000L, null, null, null, null, List.of(), null, List.of(), 24_000L);
    assertTrue(frozen.frozen());
    String during = WebUi.currentDetails(frozen);
    assertTrue(during.contains("**frozen since** 1970-01-01T00:00:01Z; past its budget of 24000 ms"), during);

    CutoverStatus done = new CutoverStatus("game", "home", "arm", Phase.DONE, false, false, false, Outcome.COMPLETED,
        steps, List.of(), List.of(), 900L, 1_000L, 1_450L, null, null, null, List.of(), null, List.of(), 24_000L);
    String after = WebUi.currentDetails(done);
    assertTrue(after.contains("**blackout** 450 ms from the freeze to the flip (estimated before it: 900 ms from the source's last commit"), after);
    assertFalse(after.contains("frozen since"), after);
    assertFalse(done.frozen(), "after the flip");
    CutoverStatus before = new CutoverStatus("game", "home", "arm", Phase.CONFIRM, false, true, false, null, steps,
        List.of(), List.of(), 900L, null, null, null, null, null, List.of(), null, List.of(), 24_000L);
    assertFalse(before.frozen(), "before the freeze");
    CutoverStatus undoing = new CutoverStatus("game", "home", "arm", Phase.ROLLBACK, false, false, false, null, steps,
        List.of(), List.of(), 900L, 1_000L, null, null, null, null, List.of(), null, List.of(), 24_000L);
    assertFalse(undoing.frozen(), "while it is undone");
  }

  private static TableComparison table(String name, boolean differs) {
    return new TableComparison(name, 10L, differs ? 11L : 10L, Map.of(), Map.of(), "a", differs ? "b" : "a", !differs,
        differs ? "row count differs" : null, List.of(), null);
  }
}
