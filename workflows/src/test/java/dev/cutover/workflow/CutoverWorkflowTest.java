package dev.cutover.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.mockito.Mockito.withSettings;

import dev.cutover.database.CopyActivities;
import dev.cutover.database.DatabaseActivities;
import dev.cutover.database.CopyActivities.CopyResult;
import dev.cutover.database.DatabaseActivities.DatabaseInfo;
import dev.cutover.database.DatabaseActivities.FenceResult;
import dev.cutover.verify.FingerprintActivities.FingerprintRequest;
import dev.cutover.database.DatabaseActivities.TargetPrepared;
import dev.cutover.database.DatabaseActivities.TargetRequest;
import dev.cutover.database.Markers;
import dev.cutover.frontdoor.FrontDoorActivities;
import dev.cutover.frontdoor.FrontDoorActivities.FrontDoorResult;
import dev.cutover.frontdoor.FrontDoorActivities.Side;
import dev.cutover.hosts.HostActivities;
import dev.cutover.hosts.HostActivities.CommandRequest;
import dev.cutover.hosts.HostActivities.CommandResult;
import dev.cutover.live.HealthActivities;
import dev.cutover.live.HealthActivities.LiveResult;
import dev.cutover.plan.Box;
import dev.cutover.plan.Confirm;
import dev.cutover.plan.Database;
import dev.cutover.plan.FrontDoor;
import dev.cutover.plan.Health;
import dev.cutover.plan.NamedService;
import dev.cutover.plan.Plan;
import dev.cutover.plan.Service;
import dev.cutover.preflight.Finding;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.FingerprintActivities;
import dev.cutover.verify.TableFingerprint;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The runbook's order and its compensations, with every activity mocked and time skipped. Each test
 * records the side effects (commands run, fences, drops, flips) in one journal and asserts it exactly.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CutoverWorkflowTest extends MockedMove {

  @Test
  void aConfirmedMoveRunsEveryPhaseInOrder() {
    CutoverWorkflow workflow = start(plan());
    awaitGate(workflow);
    journal.clear();
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));

    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    assertEquals(List.of(
        "front door: hold", "home: stop app", "home: stop writer nightly", "home: stop job scoring", "fence home",
        "copy",
        "go live arm", "arm: start job scoring", "arm: start app", "front door -> TARGET"), canonical(journal));
    assertEquals("ops", result.status().confirmed().by());
    assertTrue(result.status().blackoutMillis() >= 0);
  }

  @Test
  void aVerifyMismatchUndoesTheFreezeInReverseAndDropsTheTarget() {
    when(fingerprints.fingerprint(any())).thenAnswer(i -> {
      FingerprintRequest r = i.getArgument(0);
      return fingerprint(r.box().equals("arm") && journal.contains("fence home") ? "tampered" : "same");
    });
    CutoverWorkflow workflow = start(plan());
    awaitGate(workflow);
    journal.clear();
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));

    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.ROLLED_BACK, result.outcome());
    assertTrue(result.summary().startsWith("verify gate failed: fingerprints differ: public.t (content hash differs)"),
        result.summary());
    assertEquals(List.of(
        "front door: hold", "home: stop app", "home: stop writer nightly", "home: stop job scoring", "fence home",
        "copy",
        "unfence home", "home: start job scoring", "home: start writer nightly", "home: start app",
        "front door -> SOURCE", "drop target"), canonical(journal));
  }

  @Test
  void anObjectThatDiffersWhereEveryRowMatchesRollsBackNamingIt() {
    when(fingerprints.fingerprint(any())).thenAnswer(i -> {
      FingerprintRequest r = i.getArgument(0);
      assertTrue(r.objects(), "the gate asks for the objects too");
      boolean dropped = r.box().equals("arm") && journal.contains("fence home");
      return withObjects(fingerprint("same"), r.box(), dropped ? List.of() : List.of(new dev.cutover.verify.DatabaseObject(
          "trigger", "film_fulltext_trigger on public.film", Map.of("state", "enabled"))));
    });
    CutoverWorkflow workflow = start(plan());
    awaitGate(workflow);
    journal.clear();
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));

    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.ROLLED_BACK, result.outcome());
    assertEquals("verify gate failed: fingerprints differ: trigger film_fulltext_trigger on public.film: missing on arm",
        result.summary());
    assertEquals(List.of(new dev.cutover.verify.ObjectDifference("trigger", "film_fulltext_trigger on public.film",
        "missing on arm")), result.status().objectDifferences());
    assertTrue(journal.contains("drop target"), journal.toString());
  }

  @Test
  void anObjectThatDiffersAtTheRecheckIsNamedAndRollsBack() {
    replicating();
    when(fingerprints.verifyChanges(any())).thenAnswer(i -> {
      FingerprintActivities.ChangesRequest r = i.getArgument(0);
      assertTrue(r.objects(), "the re-check reads the objects inside the freeze");
      return record("re-check", new FingerprintActivities.ChangesVerified(
          List.of(new FingerprintActivities.TableRecheck("public.t", false, null, 3, 0, 3, 3, "h", "h", true)), 3, 100, 5,
          List.of(new dev.cutover.verify.DatabaseObject("sequence", "public.t_id_seq", Map.of("last_value", "9"))),
          List.of(new dev.cutover.verify.DatabaseObject("sequence", "public.t_id_seq", Map.of("last_value", "1")))));
    });
    when(fingerprints.fingerprint(any())).thenAnswer(i -> {
      FingerprintRequest r = i.getArgument(0);
      boolean frozen = journal.contains("fence home");
      return withObjects(fingerprint("same"), r.box(), List.of(new dev.cutover.verify.DatabaseObject("sequence",
          "public.t_id_seq", Map.of("last_value", r.box().equals("arm") && frozen ? "1" : "9"))));
    });

    CutoverWorkflow workflow = start(logicalPlan());
    awaitGate(workflow);
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));
    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.ROLLED_BACK, result.outcome(), result.summary());
    assertTrue(result.summary().contains("sequence public.t_id_seq: last_value 9 on home, 1 on arm"), result.summary());
  }

  private static DatabaseFingerprint withObjects(DatabaseFingerprint f, String box,
      List<dev.cutover.verify.DatabaseObject> objects) {
    return new DatabaseFingerprint(box, f.tables(), f.bytesHashed(), f.millis(), objects);
  }

  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> failures() {
    List<String> beforeGate = List.of("arm: stop app", "arm: stop job scoring", "create target", "copy");
    List<String> freeze = List.of("front door: hold", "home: stop app", "home: stop writer nightly", "home: stop job scoring", "fence home");
    List<String> unfreeze = List.of("unfence home", "home: start job scoring", "home: start writer nightly", "home: start app",
        "front door -> SOURCE");
    List<String> restart = List.of("home: start job scoring", "home: start writer nightly", "home: start app");
    List<String> unswitch = List.of("front door -> SOURCE", "arm: stop app", "arm: stop job scoring", "demote arm");
    return java.util.stream.Stream.of(
        failure("create target", Outcome.ROLLED_BACK, "arm: stop app", "arm: stop job scoring", "create target !", "drop target"),
        failure("copy#1", Outcome.ROLLED_BACK, "arm: stop app", "arm: stop job scoring", "create target", "copy !", "drop target"),
        failure("front door: hold", Outcome.ROLLED_BACK, beforeGate, "front door: hold !", "front door -> SOURCE",
            "drop target"),
        // The source's services stop all at once: one failing, the others still stop, and all are started again.
        failure("home: stop app", Outcome.ROLLED_BACK, beforeGate, "front door: hold", "home: stop app !",
            "home: stop writer nightly", "home: stop job scoring", restart, "front door -> SOURCE", "drop target"),
        failure("home: stop writer nightly", Outcome.ROLLED_BACK, beforeGate, "front door: hold", "home: stop app",
            "home: stop writer nightly !", "home: stop job scoring", restart, "front door -> SOURCE", "drop target"),
        failure("home: stop job scoring", Outcome.ROLLED_BACK, beforeGate, "front door: hold", "home: stop app",
            "home: stop writer nightly", "home: stop job scoring !", restart, "front door -> SOURCE", "drop target"),
        failure("fence home", Outcome.ROLLED_BACK, beforeGate, freeze.subList(0, 4), "fence home !", unfreeze, "drop target"),
        failure("copy#2", Outcome.ROLLED_BACK, beforeGate, freeze, "copy !", unfreeze, "drop target"),
        failure("go live arm", Outcome.ROLLED_BACK, beforeGate, freeze, "copy", "go live arm !",
            "fence arm", "demote arm", unfreeze, "drop target"),
        failure("arm: start job scoring", Outcome.ROLLED_BACK, beforeGate, freeze, "copy", "go live arm",
            "arm: start job scoring !", "arm: start app", "fence arm", "arm: stop app", "arm: stop job scoring",
            "demote arm", unfreeze, "drop target"),
        failure("arm: start app", Outcome.ROLLED_BACK, beforeGate, freeze, "copy", "go live arm", "arm: start job scoring",
            "arm: start app !", "fence arm", "arm: stop app", "arm: stop job scoring", "demote arm", unfreeze, "drop target"),
        failure("front door -> TARGET", Outcome.ROLLED_BACK, beforeGate, freeze, "copy", "go live arm",
            "arm: start job scoring", "arm: start app", "front door -> TARGET !", "fence arm", unswitch, unfreeze,
            "drop target"));
  }

  private static org.junit.jupiter.params.provider.Arguments failure(String at, Outcome outcome, Object... journal) {
    List<String> flat = new ArrayList<>();
    for (Object o : journal) {
      if (o instanceof List<?> list) {
        list.forEach(e -> flat.add((String) e));
      } else {
        flat.add((String) o);
      }
    }
    return org.junit.jupiter.params.provider.Arguments.of(at, outcome, flat);
  }

  /** Every step fails once in turn; the saga must undo exactly what was done, newest first. */
  @org.junit.jupiter.params.ParameterizedTest(name = "failure at {0}")
  @org.junit.jupiter.params.provider.MethodSource("failures")
  void aFailureAtAnyStepCompensatesExactlyWhatWasDone(String at, Outcome outcome, List<String> expected) {
    failAt = at;
    CutoverWorkflow workflow = start(plan());
    if (!expected.contains("create target !") && !expected.contains("copy !") || at.equals("copy#2")) {
      awaitGate(workflow);
      workflow.confirm(new CutoverWorkflow.Confirmation("ops"));
    }

    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(outcome, result.outcome(), result.summary());
    assertEquals(expected, canonical(journal));
    assertTrue(result.summary().contains("injected failure"), result.summary());
  }

  @Test
  void settleGivesUpAtItsTimeoutAndOnlyRemovesTheTarget() {
    when(database.checkGuards(any())).thenReturn(List.of(new DatabaseActivities.GuardResult("graded", false, null)));
    Plan base = plan();
    Plan guarded = new Plan(base.app(), base.source(), base.target(),
        new dev.cutover.plan.Settle(List.of(new dev.cutover.plan.Settle.Guard("graded", "select false")),
            Duration.ofSeconds(10), Duration.ofMinutes(5), Duration.ofSeconds(5)),
        null, null, base.frontDoor(), base.health(), null);
    CutoverWorkflow workflow = start(guarded);
    awaitGate(workflow);
    journal.clear();
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));

    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.ABORTED, result.outcome());
    assertTrue(result.summary().startsWith("settle timed out after 5m; still false: [graded]"), result.summary());
    assertEquals(List.of("drop target"), canonical(journal));
  }

  @Test
  void aRollbackIsTheMoveInReverseOverTheFallbackConfirmedByItsAsker() {
    // After the forward move: arm is live and marked, home is the fallback the move fenced.
    org.mockito.Mockito.doAnswer(i -> {
      var r = (DatabaseActivities.InspectRequest) i.getArgument(0);
      return r.box().equals("home")
          ? new DatabaseInfo("home", true, true, null, 150018, "PostgreSQL 15.18", 1L, 3, null, true, "game", null)
          : new DatabaseInfo("arm", true, true, null, 150018, "PostgreSQL 15.18", 1L, 3,
              Markers.of("game", "run-1", Markers.LIVE), false, null, null);
    }).when(database).inspect(any());
    Plan back = plan().reversed();
    CutoverWorkflow workflow = client.newWorkflowStub(CutoverWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(back.workflowId()).setTaskQueue(TaskQueues.MAIN).build());

    CutoverResult result = WorkflowClient.execute(workflow::run, new CutoverRequest(back, false, "ops", true, "ops")).join();

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    assertEquals(List.of(
        "home: stop app", "home: stop writer nightly", "home: stop job scoring",
        "arm: stop app", "arm: stop job scoring", "fence arm",
        "copy",
        "go live home", "home: start job scoring", "home: start writer nightly", "home: start app",
        "front door -> SOURCE"), canonical(journal));
    assertEquals("ops", result.status().confirmed().by());
    assertEquals("arm", result.status().source());
  }

  @Test
  void aReversedPlanExpectsTheSourceBoxAtTheHealthCheck() {
    Plan back = plan().reversed();
    assertEquals("arm", back.source().name());
    assertEquals("home", back.target().name());
    assertEquals(Map.of("X-Served-By", "home"), back.health().expectHeader());
    assertEquals(plan(), back.reversed());
  }

  @Test
  void anAbortAtTheGateOnlyRemovesTheTarget() {
    CutoverWorkflow workflow = start(plan());
    awaitGate(workflow);
    journal.clear();
    workflow.abort(new CutoverWorkflow.AbortRequest("ops", "not today"));

    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.ABORTED, result.outcome());
    assertEquals(List.of("drop target"), canonical(journal));
    assertEquals("not today", result.status().aborted().reason());
  }

  @Test
  void aFailedVerifyLiveWithAnUnchangedTargetFlipsBackAndUnfreezesTheSource() {
    when(health.verifyLive(any())).thenThrow(CutoverFailure.VERIFY_LIVE_FAILED.failure("502 from the edge"));
    CutoverWorkflow workflow = start(plan());
    awaitGate(workflow);
    journal.clear();
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));

    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.ROLLED_BACK, result.outcome(), result.summary());
    assertEquals(List.of(
        "front door: hold", "home: stop app", "home: stop writer nightly", "home: stop job scoring", "fence home",
        "copy",
        "go live arm", "arm: start job scoring", "arm: start app", "front door -> TARGET",
        "fence arm",
        "front door -> SOURCE", "arm: stop app", "arm: stop job scoring", "demote arm",
        "unfence home", "home: start job scoring", "home: start writer nightly", "home: start app",
        "front door -> SOURCE", "drop target"), canonical(journal));
  }

  @Test
  void aTargetThatTookWritesAfterTheSwitchIsNeverFlippedBack() {
    when(health.verifyLive(any())).thenThrow(CutoverFailure.VERIFY_LIVE_FAILED.failure("502 from the edge"));
    when(fingerprints.fingerprint(any())).thenAnswer(i -> {
      FingerprintRequest r = i.getArgument(0);
      return fingerprint(r.box().equals("arm") && journal.contains("front door -> TARGET") ? "new writes" : "same");
    });
    CutoverWorkflow workflow = start(plan());
    awaitGate(workflow);
    journal.clear();
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));

    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.FAILED, result.outcome());
    assertTrue(result.summary().contains("the target has taken writes since the switch"), result.summary());
    assertEquals("unfence arm", journal.get(journal.size() - 1), "the target stays the one live writer");
    assertFalse(journal.contains("unfence home"));
    assertFalse(journal.contains("drop target"));
  }

  @Test
  void blockingPreflightFindingsChangeNothing() {
    org.mockito.Mockito.doAnswer(i -> {
      var r = (DatabaseActivities.InspectRequest) i.getArgument(0);
      String marker = r.box().equals("arm") ? "someone else's database" : null;
      return new DatabaseInfo(r.box(), true, true, null, 150018, "PostgreSQL 15.18", 1L, 3, marker, false, null, null);
    }).when(database).inspect(any());

    CutoverResult result = stubOf(start(plan())).getResult(CutoverResult.class);

    assertEquals(Outcome.BLOCKED, result.outcome());
    assertTrue(journal.isEmpty(), journal.toString());
    verify(database, never()).prepareTarget(any());
    assertTrue(result.status().findings().stream().anyMatch(f ->
        f.severity() == Finding.Severity.BLOCKING && f.message().contains("was not created by a cutover move")));
  }

  @Test
  void aSourceNotReadyForLogicalReplicationBlocksWithTheFix() {
    when(copies.checkLogical(any())).thenReturn(new CopyActivities.LogicalReadiness("replica", 10, 10, List.of(), 0,
        List.of(new CopyActivities.LogicalIssue(true, "wal_level", "wal_level is replica", "set wal_level = logical and restart"))));

    CutoverResult result = stubOf(start(logicalPlan())).getResult(CutoverResult.class);

    assertEquals(Outcome.BLOCKED, result.outcome());
    assertTrue(journal.isEmpty(), journal.toString());
    assertTrue(result.status().findings().contains(
        Finding.blocking("wal_level", "wal_level is replica", "set wal_level = logical and restart")));
  }

  @Test
  void aLogicalMoveReplicatesBeforeTheGateAndOnlyCatchesUpInTheFreeze() {
    replicating();
    when(fingerprints.verifyChanges(any())).thenAnswer(i -> record("re-check", new FingerprintActivities.ChangesVerified(
        List.of(new FingerprintActivities.TableRecheck("public.t", false, null, 3, 0, 3, 3, "h", "h", true)), 3, 100, 5)));

    CutoverWorkflow workflow = start(logicalPlan());
    awaitGate(workflow);
    env.sleep(Duration.ofMinutes(3));
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));
    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    assertEquals(List.of("arm: stop app", "arm: stop job scoring", "create target", "start logical", "initial copy",
        "start change log", "start change log", "rebaseline", "advance change log", "advance change log",
        "front door: hold", "home: stop app", "home: stop writer nightly", "home: stop job scoring", "fence home",
        "catch up", "re-check",
        "go live arm", "arm: start job scoring", "arm: start app", "front door -> TARGET",
        "drop change log", "drop change log"), canonical(journal));
    verify(copies, never()).copy(any());
    verify(copies, org.mockito.Mockito.atLeast(2)).lag(any());
    // The rehearsal's and the baselines, all before the freeze; the freeze fingerprints nothing in full.
    verify(fingerprints, org.mockito.Mockito.times(4)).fingerprint(any());
    assertEquals("re-read 3 changed keys and 0 differing ranges at the freeze; baseline of 1 rows before the freeze",
        result.status().fingerprints().get(0).checked());
    // Scheduled before the step that waits for them, or inside a wait: still labelled with their step.
    UiMetadata.assertScheduled(UiMetadata.scheduledActivities(client.fetchHistory(logicalPlan().workflowId())), List.of(
        new UiMetadata.Scheduled("StartChangeLog", "start change logs on both sides"),
        new UiMetadata.Scheduled("Lag", "wait for confirm"),
        new UiMetadata.Scheduled("CatchUp", "catch up to the fence, copy sequences, stop replicating"),
        new UiMetadata.Scheduled("DropChangeLog", "drop the change logs")));
  }

  @Test
  void passesBeforeTheFreezeCarryTheirKeysToTheReCheckAndMoveTheLogsOnOnlyWhenUsable() {
    replicating();
    when(fingerprints.verifyChanges(any())).thenAnswer(i -> record("re-check", new FingerprintActivities.ChangesVerified(
        List.of(new FingerprintActivities.TableRecheck("public.t", false, null, 3, 0, 3, 3, "h", "h", true)), 3, 100, 5)));
    // The first pass read many changes, so a second runs; the third would carry too many and is not used.
    List<FingerprintActivities.Rebaselined> passes = List.of(
        new FingerprintActivities.Rebaselined(Map.of("public.t", List.of(List.of("7"))),
            Map.of("public.u", "on the source: truncated"), "0/10", null, 40_000, 9_000, 300, null),
        new FingerprintActivities.Rebaselined(Map.of("public.t", List.of(List.of("8"))), Map.of(), "0/20", "0/21",
            6_000, 1_000, 50, null),
        new FingerprintActivities.Rebaselined(Map.of(), Map.of(), null, null, 6_000, 1_000, 50, "too many"));
    List<FingerprintActivities.RebaselineRequest> asked = new ArrayList<>();
    org.mockito.Mockito.doAnswer(i -> {
      asked.add(i.getArgument(0));
      return record("rebaseline", passes.get(asked.size() - 1));
    }).when(fingerprints).rebaseline(any());
    List<String> advanced = new ArrayList<>();
    org.mockito.Mockito.doAnswer(i -> {
      FingerprintActivities.ChangeLogAdvance a = i.getArgument(0);
      return record("advance " + a.side() + " to " + a.lsn(), advanced.add(a.side() + " " + a.lsn()));
    }).when(fingerprints).advanceChangeLog(any());

    CutoverWorkflow workflow = start(logicalPlan());
    awaitGate(workflow);
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));
    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    assertEquals(3, asked.size());
    assertEquals(Map.of(), asked.get(0).keys(), "nothing carried before the first pass");
    assertEquals(Map.of("public.t", List.of(List.of("7"))), asked.get(1).keys(), "the second compares the first's keys");
    assertEquals(List.of("source 0/10", "source 0/20", "target 0/21"), advanced.stream().sorted().toList(),
        "a log moves on only where a pass read a commit, and never after a pass that is not used");
    var recheck = org.mockito.ArgumentCaptor.forClass(FingerprintActivities.ChangesRequest.class);
    verify(fingerprints).verifyChanges(recheck.capture());
    assertEquals(Map.of("public.t", List.of(List.of("8"))), recheck.getValue().keys(), "the last usable pass's keys");
    assertEquals(Map.of("public.u", "on the source: truncated"), recheck.getValue().wholeSince(),
        "a table made whole by an earlier pass stays whole");
    assertTrue(journal.lastIndexOf("rebaseline") < journal.indexOf("front door: hold"), journal.toString());
  }

  /** The logical plan, with arm's app declared to boot against a read-only database. */
  private Plan startAheadPlan() {
    Plan base = logicalPlan();
    Box t = base.target();
    Box target = new Box(t.name(), t.database(), t.host(),
        new Service(t.app().stop(), t.app().start(), t.app().check(), true), t.writers(), t.jobs(),
        t.config(), t.artifact(), t.disk(), t.migrations(), t.nextJob(), t.overwrite());
    return new Plan(base.app(), base.source(), target, null, base.copy(), null, base.frontDoor(), base.health(), null);
  }

  @Test
  void anAppThatBootsReadOnlyStartsAfterTheConfirmBeforeTheFreezeAndTheSwitchOnlyStartsItsJobs() {
    replicating();
    when(fingerprints.verifyChanges(any())).thenAnswer(i -> record("re-check", new FingerprintActivities.ChangesVerified(
        List.of(new FingerprintActivities.TableRecheck("public.t", false, null, 3, 0, 3, 3, "h", "h", true)), 3, 100, 5)));

    CutoverWorkflow workflow = start(startAheadPlan());
    awaitGate(workflow);
    assertFalse(journal.contains("arm: start app"), "nothing starts on arm before the confirm: " + journal);
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));
    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    assertEquals(List.of("arm: stop app", "arm: stop job scoring", "create target", "start logical", "initial copy",
        "arm: start app", "start change log", "start change log", "rebaseline", "advance change log",
        "advance change log", "front door: hold", "home: stop app", "home: stop writer nightly", "home: stop job scoring", "fence home",
        "catch up", "re-check",
        "go live arm", "arm: start job scoring", "front door -> TARGET",
        "drop change log", "drop change log"), canonical(journal));
    assertTrue(result.status().steps().stream().anyMatch(s -> s.phase() == Phase.SWITCH
        && s.name().equals("start app on arm") && s.state() == StepStatus.State.SKIPPED), result.status().steps().toString());
    assertTrue(result.status().findings().stream().anyMatch(f -> f.message().contains("starts before the freeze")),
        result.status().findings().toString());
  }

  @Test
  void aDumpRestoreMoveSaysItCannotStartTheAppAheadAndStartsItInTheSwitch() {
    Plan logical = startAheadPlan();
    Plan dumpRestore = new Plan(logical.app(), logical.source(), logical.target(), null, null, null,
        logical.frontDoor(), logical.health(), null);

    CutoverWorkflow workflow = start(dumpRestore);
    awaitGate(workflow);
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));
    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    assertTrue(result.status().findings().stream().anyMatch(f -> f.severity() == Finding.Severity.WARNING
        && f.message().contains("with copy.strategy dump-restore the target's app starts in the switch")),
        result.status().findings().toString());
    assertTrue(journal.lastIndexOf("arm: start app") > journal.indexOf("fence home"), journal.toString());
  }

  @Test
  void anAppStartedAheadIsStoppedAgainWhenTheFreezeFails() {
    replicating();
    failAt = "catch up";

    CutoverWorkflow workflow = start(startAheadPlan());
    awaitGate(workflow);
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));
    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.ROLLED_BACK, result.outcome(), result.summary());
    List<String> after = journal.subList(journal.indexOf("catch up !"), journal.size());
    assertTrue(after.contains("arm: stop app"), "the rollback stops arm's app again: " + journal);
    // Home serves first (the held requests wait on nothing arm does), then arm's app stops before its database
    // is dropped; fenced, it could not write in between.
    assertTrue(after.indexOf("front door -> SOURCE") < after.indexOf("arm: stop app"), journal.toString());
    assertTrue(after.indexOf("arm: stop app") < after.indexOf("drop target"), journal.toString());
    assertFalse(after.contains("go live arm"), journal.toString());
  }

  @Test
  void aRecheckThatFindsADifferenceFingerprintsEverythingAndRollsBack() {
    replicating();
    when(fingerprints.verifyChanges(any())).thenAnswer(i -> record("re-check", new FingerprintActivities.ChangesVerified(
        List.of(new FingerprintActivities.TableRecheck("public.t", false, null, 1, 0, 1, 1, "a", "b", false)), 1, 100, 5)));
    when(fingerprints.fingerprint(any())).thenAnswer(i -> {
      FingerprintRequest r = i.getArgument(0);
      return record("fingerprint " + r.box(),
          fingerprint(r.box().equals("arm") && journal.contains("re-check") ? "tampered" : "same"));
    });

    CutoverWorkflow workflow = start(logicalPlan());
    awaitGate(workflow);
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));
    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.ROLLED_BACK, result.outcome(), result.summary());
    assertTrue(result.summary().startsWith("verify gate failed: fingerprints differ: public.t"), result.summary());
    int recheck = journal.indexOf("re-check");
    assertEquals(List.of("fingerprint arm", "fingerprint home"),
        journal.subList(recheck + 1, recheck + 3).stream().sorted().toList(), "everything fingerprinted after the re-check");
    assertTrue(journal.indexOf("drop change log") > recheck, journal.toString());
    assertTrue(journal.lastIndexOf("drop change log") < journal.indexOf("drop target"),
        "the target's slot goes before the target database: " + journal);
  }

  @Test
  void baselinesThatDifferAreNarrowedToKeysBeforeTheFreeze() {
    replicating();
    // The baselines: the target is one change behind in the chunk 1..9.
    when(fingerprints.fingerprint(any())).thenAnswer(i -> {
      FingerprintRequest r = i.getArgument(0);
      String hash = r.box().equals("arm") ? "behind" : "ahead";
      return new DatabaseFingerprint(r.box(), List.of(new TableFingerprint("public.t", 9, Map.of(), hash,
          List.of(new dev.cutover.verify.Chunk(List.of("1"), List.of("9"), 9, hash)))), 1, 1);
    });
    List<FingerprintActivities.BaselineNarrowRequest> narrowed = new ArrayList<>();
    when(fingerprints.narrowBaselines(any())).thenAnswer(i -> {
      narrowed.add(i.getArgument(0));
      return record("narrow", new FingerprintActivities.BaselineKeys(Map.of("public.t", List.of(List.of("7"))), List.of(), 18, 3));
    });
    List<FingerprintActivities.ChangesRequest> rechecked = new ArrayList<>();
    when(fingerprints.verifyChanges(any())).thenAnswer(i -> {
      rechecked.add(i.getArgument(0));
      return new FingerprintActivities.ChangesVerified(
          List.of(new FingerprintActivities.TableRecheck("public.t", false, null, 1, 0, 1, 1, "h", "h", true)), 1, 10, 5);
    });

    CutoverWorkflow workflow = start(logicalPlan());
    awaitGate(workflow);
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));
    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
    assertEquals(1, narrowed.size());
    assertEquals(Map.of("public.t", List.of(new dev.cutover.verify.KeyRange(List.of("1"), List.of("9")))),
        narrowed.get(0).ranges());
    assertTrue(journal.indexOf("narrow") < journal.indexOf("fence home"), "narrowed before the freeze: " + journal);
    assertEquals(Map.of(), rechecked.get(0).ranges(), "the range is not re-read in the freeze");
    assertEquals(Map.of("public.t", List.of(List.of("7"))), rechecked.get(0).keys());
  }

  @Test
  void anAbortedLogicalMoveRemovesReplicationBeforeDroppingTheTarget() {
    replicating();
    CutoverWorkflow workflow = start(logicalPlan());
    awaitGate(workflow);
    journal.clear();
    workflow.abort(new CutoverWorkflow.AbortRequest("ops", null));

    assertEquals(Outcome.ABORTED, stubOf(workflow).getResult(CutoverResult.class).outcome());
    assertEquals(List.of("cleanup logical", "drop target"), canonical(journal));
  }

  /**
   * Waits out the probe's real 15 s schedule-to-start timeout: the test server does not skip time while an
   * activity task sits in a queue no worker polls (env.sleep(20 s) took 20 s here), so this one is slow.
   */
  @Test
  @Tag("slow")
  void aBoxWhoseWorkerIsNotPollingBlocksPreflight() {
    Plan base = plan();
    Box arm = base.target();
    Box onItsOwnWorker = new Box(arm.name(), arm.database(), dev.cutover.plan.Host.worker("cutover-nobody"), arm.app(),
        arm.writers(), arm.jobs(), null, null, null, null, null, null);
    Plan plan = new Plan(base.app(), base.source(), onItsOwnWorker, null, null, null, base.frontDoor(), base.health(), null);

    CutoverResult result = stubOf(start(plan)).getResult(CutoverResult.class);

    assertEquals(Outcome.BLOCKED, result.outcome());
    Finding finding = result.status().findings().stream().filter(f -> f.check().equals("worker arm")).findFirst().orElseThrow();
    assertEquals(Finding.Severity.BLOCKING, finding.severity());
    assertTrue(finding.message().startsWith("no worker answered on task queue cutover-nobody"), finding.message());
    assertTrue(journal.isEmpty(), journal.toString());
  }

  @Test
  void aBoxWithItsOwnWorkerGetsItsCommandsOnItsOwnQueue() {
    when(armHosts.run(any())).thenAnswer(i -> {
      CommandRequest r = i.getArgument(0);
      onArm.add(r.purpose());
      return new CommandResult(0, 1, "", "");
    });
    Plan base = plan();
    Box arm = base.target();
    Plan plan = new Plan(base.app(), base.source(), new Box(arm.name(), arm.database(),
        dev.cutover.plan.Host.worker("cutover-arm"), arm.app(), arm.writers(), arm.jobs(), null, null, null, null, null, null),
        null, null, null, base.frontDoor(), base.health(), null);
    CutoverWorkflow workflow = start(plan);
    awaitGate(workflow);
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));

    assertEquals(Outcome.COMPLETED, stubOf(workflow).getResult(CutoverResult.class).outcome());
    assertEquals(List.of("probe", "stop app", "stop job scoring"), onArm.subList(0, 3), onArm.toString());
    // The switch starts the box's job and app at once.
    assertEquals(java.util.Set.of("start job scoring", "start app"), java.util.Set.copyOf(onArm.subList(3, 5)),
        onArm.toString());
    assertEquals(5, onArm.size(), onArm.toString());
    assertFalse(journal.stream().anyMatch(e -> e.startsWith("arm:")), journal.toString());
  }

  @Test
  void aServiceWithACheckIsProvenStoppedAndRunning() {
    List<String> checks = Collections.synchronizedList(new ArrayList<>());
    when(hosts.verifyState(any())).thenAnswer(i -> {
      HostActivities.StateCheckRequest r = i.getArgument(0);
      checks.add(r.box() + " " + r.what() + (r.expectRunning() ? " running" : " stopped"));
      return new HostActivities.StateCheckResult(r.what(), r.expectRunning(), 1, 1, "ok");
    });
    Plan plan = planWithAppChecks();
    CutoverWorkflow workflow = start(plan);
    awaitGate(workflow);
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));

    assertEquals(Outcome.COMPLETED, stubOf(workflow).getResult(CutoverResult.class).outcome());
    assertEquals(List.of("home app stopped", "arm app running"), checks);
  }

  @Test
  void aWorkerReplacedWhileTheMoveWaitsHoursAtTheGateLosesNothing() {
    // A second task queue with workers of our own, so one can be stopped and another started.
    String queue = "cutover-restart";
    io.temporal.worker.WorkerOptions noSticky = io.temporal.worker.WorkerOptions.newBuilder()
        .setStickyQueueScheduleToStartTimeout(Duration.ZERO).build();
    io.temporal.worker.WorkerFactory first = io.temporal.worker.WorkerFactory.newInstance(client);
    Worker w1 = first.newWorker(queue, noSticky);
    w1.registerWorkflowImplementationTypes(CutoverWorkflowImpl.class);
    w1.registerActivitiesImplementations(database, copies, fingerprints, hosts, frontDoor, health, schedule);
    first.start();
    Plan plan = plan();
    CutoverWorkflow workflow = client.newWorkflowStub(CutoverWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(plan.workflowId()).setTaskQueue(queue).build());
    WorkflowClient.start(workflow::run, CutoverRequest.move(plan, false, "test"));
    awaitGate(workflow);

    env.sleep(Duration.ofHours(5));
    first.shutdownNow();
    first.awaitTermination(10, TimeUnit.SECONDS);
    env.sleep(Duration.ofHours(2));
    io.temporal.worker.WorkerFactory second = io.temporal.worker.WorkerFactory.newInstance(client);
    Worker w2 = second.newWorker(queue, noSticky);
    w2.registerWorkflowImplementationTypes(CutoverWorkflowImpl.class);
    w2.registerActivitiesImplementations(database, copies, fingerprints, hosts, frontDoor, health, schedule);
    second.start();
    try {
      assertTrue(workflow.status().waitingForConfirm(), "still at the gate, 7 hours and one worker later");
      assertFalse(workflow.status().stale());
      workflow.confirm(new CutoverWorkflow.Confirmation("ops"));

      CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);

      assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());
      assertEquals("ops", result.status().confirmed().by());
      assertEquals(1, journal.stream().filter(e -> e.equals("create target")).count(), "nothing ran twice");
    } finally {
      second.shutdownNow();
    }
  }

  @Test
  void aMoveLeftAtTheGateForADayIsMarkedStaleAndStillWaits() {
    CutoverWorkflow workflow = start(plan());
    awaitGate(workflow);

    env.sleep(Duration.ofMinutes(1));
    assertFalse(workflow.status().stale());
    env.sleep(Duration.ofHours(23));
    assertFalse(workflow.status().stale());
    env.sleep(Duration.ofHours(2));
    CutoverStatus status = workflow.status();
    assertTrue(status.stale());
    assertTrue(status.waitingForConfirm());

    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));
    assertEquals(Outcome.COMPLETED, stubOf(workflow).getResult(CutoverResult.class).outcome());
  }

  @Test
  void aConfirmOutsideTheGateIsIgnored() {
    when(copies.copy(any())).thenAnswer(i -> {
      journal.add("copy");
      return new CopyResult(100, 3, 10, 20);
    });
    CutoverWorkflow workflow = start(plan());
    workflow.confirm(new CutoverWorkflow.Confirmation("too early"));
    awaitGate(workflow);
    assertEquals(null, workflow.status().confirmed());
    workflow.abort(new CutoverWorkflow.AbortRequest("ops", null));
    assertEquals(Outcome.ABORTED, stubOf(workflow).getResult(CutoverResult.class).outcome());
  }

  @Test
  void aConfirmSentAsAnUpdateIsAnsweredAndASecondOneIsRefusedSayingWhy() {
    CutoverWorkflow workflow = start(plan());
    awaitGate(workflow);

    Decision confirmed = workflow.confirmMove(new CutoverWorkflow.Confirmation("ops"));
    io.temporal.client.WorkflowUpdateException again = org.junit.jupiter.api.Assertions.assertThrows(
        io.temporal.client.WorkflowUpdateException.class,
        () -> workflow.confirmMove(new CutoverWorkflow.Confirmation("someone else")));

    assertEquals("ops", confirmed.by());
    assertEquals("the move was already confirmed by ops", dev.cutover.temporal.Failures.reason(again));
    assertEquals(Outcome.COMPLETED, stubOf(workflow).getResult(CutoverResult.class).outcome());
  }

  @Test
  void aConfirmAfterAnAbortIsRefusedNamingWhoAborted() throws InterruptedException {
    // The abort's compensation waits until the confirm was tried, so the move is still running then.
    java.util.concurrent.CountDownLatch confirmTried = new java.util.concurrent.CountDownLatch(1);
    org.mockito.Mockito.doAnswer(i -> {
      confirmTried.await(20, TimeUnit.SECONDS);
      return record("drop target", null);
    }).when(database).dropTarget(any());
    CutoverWorkflow workflow = start(plan());
    awaitGate(workflow);

    workflow.abortMove(new CutoverWorkflow.AbortRequest("alice", "not today"));
    io.temporal.client.WorkflowUpdateException refused = org.junit.jupiter.api.Assertions.assertThrows(
        io.temporal.client.WorkflowUpdateException.class,
        () -> workflow.confirmMove(new CutoverWorkflow.Confirmation("bob")));
    confirmTried.countDown();

    assertEquals("the move was already aborted by alice: not today", dev.cutover.temporal.Failures.reason(refused));
    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);
    assertEquals(Outcome.ABORTED, result.outcome());
    assertEquals(null, result.status().confirmed());
    assertEquals(List.of("drop target"), journal.subList(journal.indexOf("copy") + 1, journal.size()));
  }

  @Test
  void everyActivityCarriesItsStepsWordsAsItsSummaryAndTheMoveShowsWhereItStands() {
    CutoverRequest request = CutoverRequest.move(plan(), false, "test");
    CutoverWorkflow workflow = client.newWorkflowStub(CutoverWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(request.plan().workflowId()).setTaskQueue(TaskQueues.MAIN)
        .setStaticSummary(WebUi.summary(request)).setStaticDetails(WebUi.details(request)).build());
    WorkflowClient.start(workflow::run, request);
    awaitGate(workflow);
    String atGate = currentDetails(workflow);
    workflow.confirm(new CutoverWorkflow.Confirmation("ops"));
    CutoverResult result = stubOf(workflow).getResult(CutoverResult.class);
    assertEquals(Outcome.COMPLETED, result.outcome(), result.summary());

    var history = client.fetchHistory(request.plan().workflowId());
    List<UiMetadata.Scheduled> scheduled = UiMetadata.scheduledActivities(history);
    List<String> stepsRun = result.status().steps().stream()
        .filter(s -> s.state() == StepStatus.State.DONE).map(StepStatus::name).toList();
    for (UiMetadata.Scheduled activity : scheduled) {
      assertTrue(stepsRun.contains(activity.summary()), activity + " is not labelled with a step that ran: " + stepsRun);
    }
    List<String> summaries = scheduled.stream().map(UiMetadata.Scheduled::summary).toList();
    for (String step : stepsRun) {
      assertTrue(step.equals("wait for confirm") || summaries.contains(step), "no activity carries step " + step);
    }
    UiMetadata.assertScheduled(scheduled, UiMetadata.EVERY_MOVE_HOME_TO_ARM);
    UiMetadata.assertScheduled(scheduled, List.of(new UiMetadata.Scheduled("Run", "stop app on arm"),
        new UiMetadata.Scheduled("Record", "journal on home: freeze"),
        new UiMetadata.Scheduled("GoLive", "unfence target database and mark it live")));
    assertEquals(2, scheduled.stream().filter(a -> a.summary().equals("fingerprint both sides")).count());
    assertEquals("move game: home -> arm (dump-restore)", UiMetadata.workflowSummary(history));
    assertTrue(UiMetadata.workflowDetails(history).contains("**started by** test"), UiMetadata.workflowDetails(history));

    assertTrue(atGate.contains("**phase** CONFIRM") && atGate.contains("**running** wait for confirm")
        && atGate.contains("**waiting for confirm**"), atGate);
    String atEnd = currentDetails(workflow);
    assertTrue(atEnd.contains("**phase** DONE — **COMPLETED**"), atEnd);
    assertTrue(atEnd.contains("| public.t | 1 | 1 | match |") && atEnd.contains("all 1 tables match"), atEnd);
  }

  /** What the web UI shows as the run's current details, read as the UI does, through the SDK's metadata query. */
  private static String currentDetails(CutoverWorkflow workflow) {
    return stubOf(workflow).query("__temporal_workflow_metadata", io.temporal.api.sdk.v1.WorkflowMetadata.class)
        .getCurrentDetails();
  }
}
