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
import dev.cutover.plan.ServiceCheck;
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
 * Every activity of a move mocked, and time skipped: the side effects (commands run, fences, drops, flips)
 * are recorded in one {@code journal} in the order they happened, the database journal entries in {@code journals}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class MockedMove {

  TestWorkflowEnvironment env;
  WorkflowClient client;
  final List<String> journal = Collections.synchronizedList(new ArrayList<>());
  final DatabaseActivities database = mock(DatabaseActivities.class, withSettings().withoutAnnotations());
  final CopyActivities copies = mock(CopyActivities.class, withSettings().withoutAnnotations());
  final FingerprintActivities fingerprints = mock(FingerprintActivities.class, withSettings().withoutAnnotations());
  final HostActivities hosts = mock(HostActivities.class, withSettings().withoutAnnotations());
  final FrontDoorActivities frontDoor = mock(FrontDoorActivities.class, withSettings().withoutAnnotations());
  final dev.cutover.frontdoor.DatabaseDoorActivities door =
      mock(dev.cutover.frontdoor.DatabaseDoorActivities.class, withSettings().withoutAnnotations());
  final HealthActivities health = mock(HealthActivities.class, withSettings().withoutAnnotations());
  final HostActivities armHosts = mock(HostActivities.class, withSettings().withoutAnnotations());
  final dev.cutover.preflight.ScheduleActivities schedule =
      mock(dev.cutover.preflight.ScheduleActivities.class, withSettings().withoutAnnotations());
  /** The move's journal entries on the databases, as the database activities were asked to write them. */
  final List<String> journals = Collections.synchronizedList(new ArrayList<>());
  final List<String> onArm = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void setUp() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker(TaskQueues.MAIN);
    worker.registerWorkflowImplementationTypes(CutoverWorkflowImpl.class, FleetWorkflowImpl.class,
        FallbackWorkflowImpl.class);
    worker.registerActivitiesImplementations(database, copies, fingerprints, hosts, frontDoor, door, health, schedule);
    // The worker that runs on box arm itself (exec: worker); only some tests send it anything.
    env.newWorker("cutover-arm").registerActivitiesImplementations(armHosts);
    client = env.getWorkflowClient();
    env.start();

    when(database.inspect(any())).thenAnswer(i -> {
      var r = (DatabaseActivities.InspectRequest) i.getArgument(0);
      boolean target = r.box().equals("arm");
      return new DatabaseInfo(r.box(), true, !target, null, 150018, "PostgreSQL 15.18", 1L, 3, null, false, null, null);
    });
    when(database.checkExtensions(any())).thenReturn(new DatabaseActivities.ExtensionCheck(List.of(), List.of()));
    when(database.prepareTarget(any())).thenAnswer(i -> record("create target", new TargetPrepared(true, "m")));
    when(copies.copy(any())).thenAnswer(i -> record("copy", new CopyResult(100, 3, 10, 20)));
    when(copies.prepareSpare(any())).thenReturn(new CopyActivities.SpareTarget("game", true, 5));
    when(fingerprints.fingerprint(any())).thenAnswer(i -> fingerprint("same"));
    when(database.fence(any())).thenAnswer(i -> record("fence " + box(i.getArgument(0)), new FenceResult(false, 0, "0/1", "unset")));
    org.mockito.Mockito.doAnswer(i -> record("unfence " + box(i.getArgument(0)), null)).when(database).unfence(any());
    org.mockito.Mockito.doAnswer(i -> record("drop target", null)).when(database).dropTarget(any());
    org.mockito.Mockito.doAnswer(i -> record("mark live", null)).when(database).markTargetLive(any());
    org.mockito.Mockito.doAnswer(i -> record("go live " + ((TargetRequest) i.getArgument(0)).box(), null))
        .when(database).goLive(any());
    org.mockito.Mockito.doAnswer(i -> record("demote " + ((TargetRequest) i.getArgument(0)).box(), null))
        .when(database).demoteTarget(any());
    org.mockito.Mockito.doAnswer(i -> {
      var r = (DatabaseActivities.JournalRequest) i.getArgument(0);
      journals.add(r.box() + ": " + r.journal().step());
      return null;
    }).when(database).record(any());
    org.mockito.Mockito.doAnswer(i -> journals.add(((DatabaseActivities.JournalRequest) i.getArgument(0)).box()
        + ": cleared")).when(database).clearJournal(any());
    when(hosts.run(any())).thenAnswer(i -> {
      CommandRequest r = i.getArgument(0);
      return record(r.box() + ": " + r.purpose(), new CommandResult(0, 1, "", ""));
    });
    // A command and its check in one activity: what the two would answer, so tests that stub them hold.
    for (HostActivities box : List.of(hosts, armHosts)) {
      when(box.verifyState(any())).thenAnswer(i -> {
        HostActivities.StateCheckRequest r = i.getArgument(0);
        return r == null ? null : new HostActivities.StateCheckResult(r.what(), r.expectRunning(), 1, 1, "ok");
      });
      when(box.change(any())).thenAnswer(i -> {
        HostActivities.ServiceChangeRequest r = i.getArgument(0);
        if (r == null) {
          return null; // Mockito's own call while a test stubs this method again
        }
        return new HostActivities.ServiceChanged(box.run(r.command()),
            r.check() == null ? null : box.verifyState(r.check()));
      });
    }
    when(frontDoor.check(any())).thenReturn(new FrontDoorResult("command", Side.TARGET, "ok"));
    when(frontDoor.pointAt(any())).thenAnswer(i -> {
      FrontDoorActivities.FrontDoorRequest r = i.getArgument(0);
      return record("front door -> " + r.side(), new FrontDoorResult("command", r.side(), "ok"));
    });
    when(frontDoor.hold(any())).thenAnswer(i -> record("front door: hold", new FrontDoorResult("command", Side.TARGET, "ok")));
    when(health.verifyLive(any())).thenReturn(new LiveResult(3, 3, 0, null, 5));
  }

  Plan logicalPlan() {
    Plan base = plan();
    return new Plan(base.app(), base.source(), base.target(), null,
        new dev.cutover.plan.Copy(dev.cutover.plan.Copy.Strategy.LOGICAL, 1, null, null), null, base.frontDoor(),
        base.health(), null);
  }

  /** Logical replication that works: ready, started, copied, caught up, removable; change logs recording. */
  void replicating() {
    when(copies.checkLogical(any())).thenReturn(new CopyActivities.LogicalReadiness("logical", 10, 10, List.of(), 0, List.of()));
    when(copies.startLogical(any())).thenAnswer(i -> record("start logical",
        new CopyActivities.LogicalStarted("cutover_game", false, 3, List.of(), 5)));
    CopyActivities.LogicalLag done = new CopyActivities.LogicalLag(true, 3, Map.of("r", 3), List.of(), "0/1", "0/1",
        0L, 0L, 0, true);
    when(copies.awaitInitialCopy(any())).thenAnswer(i -> record("initial copy", done));
    when(copies.lag(any())).thenReturn(done);
    when(copies.catchUp(any())).thenAnswer(i -> record("catch up",
        new CopyActivities.LogicalCaughtUp(false, "0/2", 4, 0, 10, 20)));
    org.mockito.Mockito.doAnswer(i -> record("cleanup logical", null)).when(copies).cleanupLogical(any());
    recordingChangeLogs();
  }

  void recordingChangeLogs() {
    when(fingerprints.startChangeLog(any())).thenAnswer(i -> record("start change log",
        new FingerprintActivities.ChangeLogStarted(true, null, "cutover_game_changes", "0/1", Map.of("public.t", "d"))));
    org.mockito.Mockito.doAnswer(i -> record("drop change log", null)).when(fingerprints).dropChangeLog(any());
    // A pass that finds every key it is given still differing: it carries them all on to the freeze.
    // A null request is Mockito's, not the workflow's: a test that stubs again with when(...) calls this.
    when(fingerprints.rebaseline(any())).thenAnswer(i -> {
      FingerprintActivities.RebaselineRequest r = i.getArgument(0);
      return r == null ? null : record("rebaseline",
          new FingerprintActivities.Rebaselined(r.keys(), Map.of(), "0/3", "0/4", 2, 2, 5, null));
    });
    org.mockito.Mockito.doAnswer(i -> record("advance change log", null)).when(fingerprints).advanceChangeLog(any());
  }

  @AfterEach
  void tearDown() {
    env.close();
  }

  CutoverWorkflow start(Plan plan) {
    CutoverWorkflow workflow = client.newWorkflowStub(CutoverWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(plan.workflowId()).setTaskQueue(TaskQueues.MAIN).build());
    WorkflowClient.start(workflow::run, CutoverRequest.move(plan, false, "test"));
    return workflow;
  }

  void awaitGate(CutoverWorkflow workflow) {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!workflow.status().waitingForConfirm()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("never reached the gate: " + workflow.status());
      }
      env.sleep(Duration.ofMillis(50));
    }
  }

  /**
   * The journal with each run of one box's concurrent service changes ("home: stop app", "home: stop writer
   * nightly", ...) put in one fixed order: the freeze stops them, and the switch starts them, all at once,
   * so the order they finish in is the activity threads'. Stops read app, writers, jobs; starts jobs, writers,
   * app: the order they ran in one by one.
   */
  static List<String> canonical(List<String> journal) {
    List<String> out = new ArrayList<>();
    List<String> entries = new ArrayList<>(journal);
    int i = 0;
    while (i < entries.size()) {
      String group = serviceGroup(entries.get(i));
      int j = i + 1;
      while (group != null && j < entries.size() && group.equals(serviceGroup(entries.get(j)))) {
        j++;
      }
      List<String> run = new ArrayList<>(entries.subList(i, j));
      run.sort(java.util.Comparator.comparingInt(MockedMove::serviceRank));
      out.addAll(run);
      i = j;
    }
    return out;
  }

  /** "home: stop" for "home: stop writer nightly", or null for an entry that is not a service change. */
  private static String serviceGroup(String entry) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\w+: (?:stop|start)) (?:app|writer |job ).*").matcher(entry);
    return m.matches() ? m.group(1) : null;
  }

  private static int serviceRank(String entry) {
    int kind = entry.contains(": stop app") || entry.contains(": start job") ? 0
        : entry.contains(" writer ") ? 1 : 2;
    return kind;
  }

  static io.temporal.client.WorkflowStub stubOf(CutoverWorkflow workflow) {
    return io.temporal.client.WorkflowStub.fromTyped(workflow);
  }

  /** The step that must fail, as its journal entry, optionally "#n" for its n-th occurrence. */
  volatile String failAt;

  <T> T record(String entry, T result) {
    long seen = journal.stream().filter(e -> e.equals(entry)).count();
    if (entry.equals(failAt) || (entry + "#" + (seen + 1)).equals(failAt)) {
      journal.add(entry + " !");
      throw io.temporal.failure.ApplicationFailure.newNonRetryableFailure("injected failure", "INJECTED");
    }
    journal.add(entry);
    return result;
  }

  static String box(DatabaseActivities.FenceRequest r) {
    return r.box();
  }

  static DatabaseFingerprint fingerprint(String hash) {
    return new DatabaseFingerprint("box", List.of(new TableFingerprint("public.t", 1, Map.of(), hash, List.of())), 1, 1);
  }

  static Plan plan() {
    Box home = new Box("home", new Database("jdbc:postgresql://127.0.0.1:5432/game", "cutover", null, null), null,
        new Service(List.of("stop-app"), List.of("start-app"), null),
        List.of(new NamedService("nightly", List.of("stop-nightly"), List.of("start-nightly"), null)),
        List.of(new NamedService("scoring", List.of("stop-scoring"), List.of("start-scoring"), null)), null,
        null, null, null, null, null);
    Box arm = new Box("arm", new Database("jdbc:postgresql://127.0.0.1:5433/game", "cutover", null, null), null,
        new Service(List.of("stop-app"), List.of("start-app"), null), List.of(),
        List.of(new NamedService("scoring", List.of("stop-scoring"), List.of("start-scoring"), null)), null,
        null, null, null, null, null);
    return new Plan("game", home, arm, null, null, null,
        new FrontDoor.Command(List.of("flip"), List.of("flop")),
        new Health(URI.create("http://127.0.0.1:9/healthz"), Map.of("X-Served-By", "arm"), null, 3, null, null),
        new Confirm(Duration.ofHours(24)));
  }

  /** {@link #plan()} with a check ({@code pgrep game}) on both boxes' apps. */
  static Plan planWithAppChecks() {
    Plan base = plan();
    ServiceCheck check = new ServiceCheck(List.of("pgrep", "game"), null);
    Box home = base.source();
    Box arm = base.target();
    return new Plan(base.app(),
        new Box(home.name(), home.database(), null, new Service(home.app().stop(), home.app().start(), check),
            home.writers(), home.jobs(), null, null, null, null, null, null),
        new Box(arm.name(), arm.database(), null, new Service(arm.app().stop(), arm.app().start(), check),
            arm.writers(), arm.jobs(), null, null, null, null, null, null),
        null, null, null, base.frontDoor(), base.health(), null);
  }

  /** The step named {@code name}, or a failure listing the steps there are. */
  static StepStatus step(List<StepStatus> steps, String name) {
    return steps.stream().filter(s -> s.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no step " + name + " in " + steps));
  }
}
