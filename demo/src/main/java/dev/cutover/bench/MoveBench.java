package dev.cutover.bench;

import com.google.protobuf.util.Timestamps;
import dev.cutover.cli.Cutover;
import dev.cutover.temporal.TemporalConnection;
import dev.cutover.workflow.CutoverStatus;
import dev.cutover.workflow.CutoverWorkflow;
import dev.cutover.workflow.Phase;
import dev.cutover.workflow.StepStatus;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.history.v1.HistoryEvent;
import io.temporal.client.WorkflowClient;
import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.serviceclient.WorkflowServiceStubs;
import dev.cutover.demo.DemoReport;
import dev.cutover.demo.DemoWorld;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Full moves of the demo world (the real workflow, worker, front door and players) at one size: the
 * blackout from the databases' commit timestamps, and the orchestration overhead read from the status
 * workflow history. Every run builds a fresh world: a move leaves its source fenced, so a world moves only once.
 */
public final class MoveBench {

  /** One full move. {@code gapMillis}: time of the move inside no activity (the workflow's own). */
  public record Move(String strategy, String size, long tableBytes, long blackoutMillis, long moveMillis,
      long stepMillis, long gapMillis, long freezeMillis, long freezeGapMillis, int sent, int failed, int resent,
      int lost, int oneWriterViolations, double writesPerSecond, String largestGap, List<String> failureSample,
      String freezeSteps, Long estimatedMillis) {}

  /** The runs of one strategy at one size. */
  public record Figures(String strategy, String size, double tableMb, Stats blackoutSeconds, Stats moveSeconds,
      Stats gapMillis, Stats freezeGapMillis, int failedRequests, int resentRequests, int lost,
      int oneWriterViolations,
      Stats writesPerSecond, List<String> largestGaps, List<String> failures, List<String> freezeSteps,
      Stats estimateSeconds, Stats estimateErrorPercent) {}

  /** The strategy name of a logical move's rollback over its kept reverse stream (copy.rollbackWindow). */
  static final String ROLLBACK = "logical-rollback";
  /** Caddy's hold for dump-restore moves at M and above (the demo plan's is 30 s). */
  static final String LONG_HOLD = "120s";

  private final int playersPerSecond;

  public MoveBench(int playersPerSecond) {
    this.playersPerSecond = playersPerSecond;
  }

  public List<Figures> measure(Size size, int runs, List<String> strategies, Consumer<String> progress) {
    List<Figures> out = new ArrayList<>();
    Map<String, List<Move>> moves = new java.util.LinkedHashMap<>();
    Map<String, List<String>> failures = new java.util.LinkedHashMap<>();
    for (String strategy : strategies) {
      moves.put(strategy, new ArrayList<>());
      failures.put(strategy, new ArrayList<>());
    }
    for (int run = 1; run <= runs; run++) {
      for (String strategy : moves.keySet()) {
        try {
          Move m = move(size, strategy);
          moves.get(strategy).add(m);
          progress.accept(String.format("move %s run %d: %s blackout %d ms (estimated %s ms), move %d ms, gaps %d ms,"
                  + " %d of %d requests failed (%d sent again)%s", size.name(), run, strategy, m.blackoutMillis(),
              m.estimatedMillis(), m.moveMillis(), m.gapMillis(), m.failed(), m.sent(), m.resent(),
              m.failureSample().isEmpty() ? ""
                  : ", e.g. " + String.join("; ", m.failureSample())) + "; in the freeze: " + m.freezeSteps());
        } catch (Exception e) {
          failures.get(strategy).add(e.getMessage() == null ? e.toString() : e.getMessage());
          progress.accept("move " + strategy + " failed: " + e.getMessage());
        }
      }
    }
    for (String strategy : moves.keySet()) {
      List<Move> ms = moves.get(strategy);
      double mb = ms.isEmpty() ? 0 : ms.get(0).tableBytes() / 1e6;
      out.add(new Figures(strategy, size.name(), mb,
          Stats.of(ms.stream().map(m -> m.blackoutMillis() / 1000.0).toList()),
          Stats.of(ms.stream().map(m -> m.moveMillis() / 1000.0).toList()),
          Stats.of(ms.stream().map(m -> (double) m.gapMillis()).toList()),
          Stats.of(ms.stream().map(m -> (double) m.freezeGapMillis()).toList()),
          ms.stream().mapToInt(Move::failed).sum(), ms.stream().mapToInt(Move::resent).sum(),
          ms.stream().mapToInt(Move::lost).sum(),
          ms.stream().mapToInt(Move::oneWriterViolations).sum(),
          Stats.of(ms.stream().map(Move::writesPerSecond).toList()),
          ms.stream().map(Move::largestGap).toList(), failures.get(strategy),
          ms.stream().map(Move::freezeSteps).toList(),
          Stats.of(ms.stream().filter(m -> m.estimatedMillis() != null).map(m -> m.estimatedMillis() / 1000.0).toList()),
          Stats.of(ms.stream().filter(m -> m.estimatedMillis() != null)
              .map(m -> 100.0 * (m.estimatedMillis() - m.blackoutMillis()) / m.blackoutMillis()).toList())));
    }
    return out;
  }

  Move move(Size size, String strategy) throws Exception {
    DemoWorld.Options defaults = DemoWorld.Options.forTests();
    DemoWorld.Options options = new DemoWorld.Options(size.scale(), DemoWorld.FrontDoorKind.CADDY, true,
        defaults.fullTimeIn(), defaults.gradingDelay(), false, defaults.propagation(), playersPerSecond);
    try (DemoWorld world = DemoWorld.create(options, line -> { })) {
      long tableBytes;
      try (Connection c = world.home().connect(DemoWorld.DATABASE); Statement s = c.createStatement()) {
        s.execute("VACUUM (FREEZE, ANALYZE)");
        tableBytes = BenchDatabase.single(s, "SELECT sum(pg_table_size(c.oid)) FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public'");
      }
      world.startWorker();
      Path plan = world.writePlan(DemoWorld.planTemplate());
      boolean rollback = strategy.equals(ROLLBACK);
      if (strategy.equals("logical") || rollback) {
        // The rollback's figures are those of the move back over the reverse stream the first move kept.
        Files.writeString(plan, Files.readString(plan).replace("copy: {strategy: dump-restore, jobs: 2}",
            rollback ? "copy: {strategy: logical, rollbackWindow: 1h}" : "copy: {strategy: logical}"));
      }
      if (strategy.equals("dump-restore") && size.scale() >= 1000) {
        // The demo's 30 s hold sets a 24 s budget, which a dump-restore freeze at M is estimated to pass, so
        // the move would end BLOCKED before freezing; measured here with Caddy holding for 120 s instead.
        Files.writeString(plan, Files.readString(plan).replace("holdFor: 30s", "holdFor: " + LONG_HOLD));
      }
      world.startPlayers();
      long deadline = System.currentTimeMillis() + 30_000;
      while (world.acknowledgedSoFar() < 20 && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      String address = world.temporal().address();
      Duration limit = Duration.ofMinutes(5).plusSeconds(size.scale() / 4);
      if (cli("start", plan.toString(), "--address", address, "--by", "bench").code != 0) {
        throw new IllegalStateException("the move did not start");
      }
      // One client for the whole move: polling through the command line would open a channel per poll.
      WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
          TemporalConnection.fromEnvironment(Map.of()).withAddress(address).stubsOptions());
      try {
        WorkflowClient client = WorkflowClient.newInstance(stubs);
        String workflowId = "cutover-" + DemoWorld.APP;
        CutoverWorkflow workflow = client.newWorkflowStub(CutoverWorkflow.class, workflowId);
        CutoverStatus atGate = awaitStatus(workflow, s -> s.waitingForConfirm() || s.outcome() != null, limit);
        if (atGate.outcome() != null) {
          // Ended before its gate (a budget the estimate exceeds blocks the move): nothing to confirm.
          throw new IllegalStateException("the move ended " + atGate.outcome() + " before its gate: "
              + atGate.failure());
        }
        workflow.confirm(new CutoverWorkflow.Confirmation("bench"));
        CutoverStatus status = awaitStatus(workflow, s -> s.outcome() != null, limit);
        if (rollback) {
          status = rollBack(world, workflow, status, address, limit);
        }
        DemoReport report = world.finish(status.outcome().name(), copyEnded(status), null);
        if (!"COMPLETED".equals(report.outcome()) || report.blackoutMillis() == null) {
          throw new IllegalStateException("the move ended " + report.outcome() + ": " + status.failure());
        }
        WorkflowExecutionHistory history = client.fetchHistory(workflowId);
        List<long[]> activities = activityIntervals(history);
        long[] whole = overhead(activities, Long.MIN_VALUE, Long.MAX_VALUE);
        long from = status.blackoutStartedAt() == null ? Long.MIN_VALUE : status.blackoutStartedAt();
        long to = status.blackoutEndedAt() == null ? Long.MAX_VALUE : status.blackoutEndedAt();
        long[] freeze = overhead(activities, from, to);
        return new Move(strategy, size.name(), tableBytes, report.blackoutMillis(), whole[0], whole[1],
            whole[0] - whole[1], freeze[0], freeze[0] - freeze[1], report.sentRequests(), report.failedRequests(),
            report.resentRequests(), report.lost(), report.oneWriterViolations(),
            report.acknowledged() / Math.max(0.001, report.wallMillis() / 1000.0), largestGap(history) + retried(history),
            failureKinds(report.failureSample()), freezeSteps(status), status.estimatedBlackoutMillis());
      } finally {
        stubs.shutdownNow();
      }
    }
  }

  /**
   * After a completed move that kept home current: players act on arm for a few seconds, then the move goes
   * back, and what the bench measures is that rollback.
   */
  private static CutoverStatus rollBack(DemoWorld world, CutoverWorkflow workflow, CutoverStatus moved, String address,
      Duration limit) throws InterruptedException {
    if (moved.outcome() != dev.cutover.workflow.Outcome.COMPLETED) {
      throw new IllegalStateException("the move before the rollback ended " + moved.outcome() + ": " + moved.failure());
    }
    long acknowledged = world.acknowledgedSoFar();
    long deadline = System.currentTimeMillis() + 30_000;
    while (world.acknowledgedSoFar() < acknowledged + 200 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    Run back = cli("rollback", DemoWorld.APP, "--address", address, "--by", "bench");
    if (back.code != 0) {
      throw new IllegalStateException("the rollback did not start: " + back.err);
    }
    // The same workflow id, a new run: wait for the run whose source is arm to end.
    return awaitStatus(workflow, s -> "arm".equals(s.source()) && s.outcome() != null, limit);
  }

  /** The distinct reasons in a sample of failed requests ("/packs?player=3 -> HTTP 503 ... after 9 ms"). */
  static List<String> failureKinds(List<String> sample) {
    return sample.stream()
        .map(f -> f.replaceFirst("^.* -> ", "").replaceFirst(" after \\d+ ms$", ""))
        .distinct()
        .limit(3)
        .toList();
  }

  private static Instant copyEnded(CutoverStatus status) {
    Instant ended = null;
    for (StepStatus step : status.steps()) {
      if (step.phase() == Phase.COPY && step.endedAt() != null) {
        ended = Instant.ofEpochMilli(step.endedAt());
      }
    }
    return ended;
  }

  /** The steps between the freeze and the front door's flip, each with its duration: where the blackout went. */
  static String freezeSteps(CutoverStatus status) {
    if (status.blackoutStartedAt() == null || status.blackoutEndedAt() == null) {
      return "";
    }
    List<String> out = new ArrayList<>();
    for (StepStatus step : status.steps()) {
      if (step.durationMillis() != null && step.startedAt() >= status.blackoutStartedAt()
          && step.startedAt() <= status.blackoutEndedAt()) {
        // The verify's detail says what it re-read, which is what its time depends on.
        boolean verify = step.phase() == Phase.VERIFY && step.detail() != null;
        out.add(step.name() + " " + step.durationMillis() + " ms" + (verify ? " (" + step.detail() + ")" : ""));
      }
    }
    return String.join(", ", out);
  }

  /**
   * When each activity ran, from the history: its started event to its completed (or failed) event.
   * The rest of the move is the workflow's own time: scheduling, timers, waits for the next poll.
   */
  static List<long[]> activityIntervals(WorkflowExecutionHistory history) {
    Map<Long, Long> started = new HashMap<>();
    List<long[]> out = new ArrayList<>();
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (HistoryEvent e : history.getEvents()) {
      long at = Timestamps.toMillis(e.getEventTime());
      first = Math.min(first, at);
      last = Math.max(last, at);
      switch (e.getEventType()) {
        case EVENT_TYPE_ACTIVITY_TASK_STARTED ->
            started.put(e.getActivityTaskStartedEventAttributes().getScheduledEventId(), at);
        case EVENT_TYPE_ACTIVITY_TASK_COMPLETED -> end(out, started,
            e.getActivityTaskCompletedEventAttributes().getScheduledEventId(), at);
        case EVENT_TYPE_ACTIVITY_TASK_FAILED -> end(out, started,
            e.getActivityTaskFailedEventAttributes().getScheduledEventId(), at);
        default -> { }
      }
    }
    // The move's span as a zero-length marker at each end, so the span counts the workflow's first and
    // last moments too.
    out.add(new long[] {first, first});
    out.add(new long[] {last, last});
    return out;
  }

  /** The longest stretch in which no activity ran, named by the activities either side of it. */
  static String largestGap(WorkflowExecutionHistory history) {
    Map<Long, String> names = new HashMap<>();
    Map<Long, Long> started = new HashMap<>();
    List<Object[]> runs = new ArrayList<>();
    for (HistoryEvent e : history.getEvents()) {
      long at = Timestamps.toMillis(e.getEventTime());
      switch (e.getEventType()) {
        case EVENT_TYPE_ACTIVITY_TASK_SCHEDULED ->
            names.put(e.getEventId(), e.getActivityTaskScheduledEventAttributes().getActivityType().getName());
        case EVENT_TYPE_ACTIVITY_TASK_STARTED ->
            started.put(e.getActivityTaskStartedEventAttributes().getScheduledEventId(), at);
        case EVENT_TYPE_ACTIVITY_TASK_COMPLETED, EVENT_TYPE_ACTIVITY_TASK_FAILED -> {
          long id = e.hasActivityTaskCompletedEventAttributes()
              ? e.getActivityTaskCompletedEventAttributes().getScheduledEventId()
              : e.getActivityTaskFailedEventAttributes().getScheduledEventId();
          Long from = started.remove(id);
          if (from != null) {
            runs.add(new Object[] {from, at, names.getOrDefault(id, "?")});
          }
        }
        default -> { }
      }
    }
    runs.sort(Comparator.comparingLong(r -> (Long) r[0]));
    long best = 0;
    String where = "none";
    long reach = Long.MIN_VALUE;
    String previous = "start";
    for (Object[] r : runs) {
      long start = (Long) r[0];
      if (reach != Long.MIN_VALUE && start - reach > best) {
        best = start - reach;
        where = best + " ms after " + previous + ", before " + r[2];
      }
      if ((Long) r[1] > reach) {
        reach = (Long) r[1];
        previous = (String) r[2];
      }
    }
    return where;
  }

  /**
   * Activities that needed more than one attempt, with why the last one before failed: a retry's backoff
   * (1 s first) shows in the stretch without an activity, and is not the workflow's own time.
   */
  static String retried(WorkflowExecutionHistory history) {
    Map<Long, String> names = new HashMap<>();
    List<String> out = new ArrayList<>();
    for (HistoryEvent e : history.getEvents()) {
      if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        names.put(e.getEventId(), e.getActivityTaskScheduledEventAttributes().getActivityType().getName());
      } else if (e.getEventType() == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
          && e.getActivityTaskStartedEventAttributes().getAttempt() > 1) {
        var started = e.getActivityTaskStartedEventAttributes();
        String why = started.hasLastFailure() ? started.getLastFailure().getMessage() : "no failure recorded";
        out.add(names.getOrDefault(started.getScheduledEventId(), "?") + " attempt " + started.getAttempt()
            + " (before: " + (why.length() > 160 ? why.substring(0, 160) + "..." : why) + ")");
      }
    }
    return out.isEmpty() ? "" : "; retried: " + String.join(", ", out);
  }

  private static void end(List<long[]> out, Map<Long, Long> started, long scheduledId, long at) {
    Long from = started.remove(scheduledId);
    if (from != null) {
      out.add(new long[] {from, at});
    }
  }

  /**
   * Over the intervals clipped to {@code [from, to]}: the span from the first start to the last end, and
   * the time covered by at least one interval (activities can overlap, e.g. both sides' fingerprints).
   */
  static long[] overhead(List<long[]> all, long from, long to) {
    List<long[]> intervals = new ArrayList<>();
    for (long[] i : all) {
      long start = Math.max(from, i[0]);
      long end = Math.min(to, i[1]);
      if (end >= start) {
        intervals.add(new long[] {start, end});
      }
    }
    if (intervals.isEmpty()) {
      return new long[] {0, 0};
    }
    intervals.sort(Comparator.comparingLong(i -> i[0]));
    long first = intervals.get(0)[0];
    long last = first;
    long covered = 0;
    long runStart = first;
    long runEnd = first;
    for (long[] i : intervals) {
      if (i[0] > runEnd) {
        covered += runEnd - runStart;
        runStart = i[0];
        runEnd = i[1];
      } else {
        runEnd = Math.max(runEnd, i[1]);
      }
      last = Math.max(last, i[1]);
    }
    covered += runEnd - runStart;
    return new long[] {last - first, covered};
  }

  static CutoverStatus awaitStatus(CutoverWorkflow workflow, Predicate<CutoverStatus> done, Duration limit)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + limit.toMillis();
    CutoverStatus last = null;
    while (System.currentTimeMillis() < deadline) {
      try {
        last = workflow.status();
        if (done.test(last)) {
          return last;
        }
      } catch (RuntimeException notYet) {
        // Not started yet, or a query raced a workflow task: ask again.
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the move did not get there in " + limit + "; last phase: "
        + (last == null ? "none" : last.phase()));
  }

  record Run(int code, String out, String err) {}

  /** The real command line in this JVM, output captured. */
  static Run cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = Cutover.commandLine(Map.of());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }
}
