package dev.cutover.cli;

import dev.cutover.plan.Plan;
import dev.cutover.plan.TableSelection;
import dev.cutover.plan.Verify;
import dev.cutover.temporal.TemporalConnection;
import dev.cutover.workflow.CompareWorkflow;
import dev.cutover.workflow.CompareWorkflow.CompareRequest;
import dev.cutover.workflow.CompareWorkflow.CompareResult;
import dev.cutover.workflow.TaskQueues;
import io.temporal.api.enums.v1.EventType;
import io.temporal.api.enums.v1.WorkflowIdReusePolicy;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowFailedException;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = {
      "Fingerprint both databases of a plan now and compare them, moving nothing.",
      "Exit 0 when they are equal, 1 when they differ. Differing tables are named with their key ranges",
      "and up to 20 differing keys on each side. It runs on the worker of the Temporal service at the",
      "address; with none there (and no address given), or with --local, it runs in this process."
    })
public class CompareCommand implements Callable<Integer> {

  /** How long a started comparison may wait for a worker to pick it up before we say none is polling. */
  private static final Duration PICK_UP = Duration.ofSeconds(5);

  /** Starts a worker of the full distribution against an embedded service; null where none is built in. */
  public interface LocalWorker {
    AutoCloseable start(String temporalAddress);
  }

  private final LocalWorker localWorker;

  @Spec CommandSpec spec;
  @Mixin ConnectionOptions connection;

  @Parameters(paramLabel = "PLAN", description = "The plan file (YAML).")
  Path plan;

  @Option(names = "--tables", split = ",", paramLabel = "TABLE", description = "Only these tables (default: the plan's verify.tables).")
  List<String> tables;

  @Option(names = "--json", description = "The comparison as JSON.")
  boolean json;

  @Option(names = "--show-rows", description = "Also show the differing rows themselves (they may be personal data,"
      + " and are kept in the Temporal history of the comparison).")
  boolean showRows;

  @Option(names = "--local", description = "Compare in this process, with an embedded Temporal service and worker"
      + " of its own for this one call, even if a worker is running (this machine must reach both databases).")
  boolean local;

  /** The command line without a worker built in: it always needs a running worker. */
  CompareCommand() {
    this(null);
  }

  public CompareCommand(LocalWorker localWorker) {
    this.localWorker = localWorker;
  }

  @Override
  public Integer call() throws Exception {
    Plan p = PlanFiles.load(plan);
    CompareRequest request = new CompareRequest(p,
        tables == null ? p.verify() : p.verify().withTables(new TableSelection(tables)), showRows);
    CompareResult result = local ? inProcess(request, "comparing in this process (--local)") : onServiceOrHere(request);
    print(p, result);
    return result.allMatch() ? ExitCode.OK : ExitCode.DIFFERENT;
  }

  /**
   * A named address is used, or fails. At the default address a running service with a worker is used;
   * when nothing is there, or no worker picks the comparison up, it runs here instead.
   */
  private CompareResult onServiceOrHere(CompareRequest request) throws Exception {
    if (connection.explicit() || localWorker == null) {
      return onService(connection.client(), request, true);
    }
    WorkflowClient client;
    try {
      client = ConnectionOptions.client(connection.connection(), Duration.ofSeconds(2));
    } catch (CliException unreachable) {
      return inProcess(request, "no Temporal service at " + connection.address + ": comparing in this process");
    }
    CompareResult result = onService(client, request, false);
    return result != null ? result : inProcess(request, "no worker polls task queue " + TaskQueues.MAIN + " at "
        + connection.address + ": comparing in this process");
  }

  /** {@code note} says why it runs here; it goes to stderr, so stdout stays the comparison alone. */
  private CompareResult inProcess(CompareRequest request, String note) throws Exception {
    if (localWorker == null) {
      throw new CliException(ExitCode.USAGE, "this build has no worker to compare in-process with: run it through"
          + " ./cutover at the repository root");
    }
    PrintWriter err = spec.commandLine().getErr();
    err.println("(" + note + ")");
    err.flush();
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(0);
        AutoCloseable worker = localWorker.start(temporal.address())) {
      try {
        return onService(ConnectionOptions.client(TemporalConnection.fromEnvironment(java.util.Map.of())
            .withAddress(temporal.address()), Duration.ofSeconds(5)), request, true);
      } finally {
        ConnectionOptions.release(temporal.address());
      }
    }
  }

  /**
   * Runs the comparison as a workflow. Returns null when {@code mustRun} is false and no worker picked it
   * up in time (the comparison is then terminated, so it cannot run later behind the user's back).
   */
  private CompareResult onService(WorkflowClient client, CompareRequest request, boolean mustRun) {
    String id = CompareWorkflow.workflowIdFor(request.plan().app());
    CompareWorkflow workflow = client.newWorkflowStub(CompareWorkflow.class, WorkflowOptions.newBuilder()
        .setWorkflowId(id)
        .setTaskQueue(TaskQueues.MAIN)
        .setWorkflowIdReusePolicy(WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE)
        .build());
    String runId;
    try {
      runId = WorkflowClient.start(workflow::compare, request).getRunId();
    } catch (WorkflowExecutionAlreadyStarted e) {
      throw new CliException(ExitCode.USAGE, "a comparison of " + request.plan().app() + " is already running");
    }
    WorkflowStub stub = client.newUntypedWorkflowStub(id, java.util.Optional.of(runId), java.util.Optional.empty());
    if (!pickedUp(client, id, runId)) {
      if (!mustRun) {
        stub.terminate("no worker picked the comparison up; it ran in the command's own process instead");
        return null;
      }
      spec.commandLine().getErr().println("(no worker has picked the comparison up after " + PICK_UP.toSeconds()
          + " s: is `cutover worker` running against this Temporal service? still waiting)");
      spec.commandLine().getErr().flush();
    }
    CompletableFuture<CompareResult> result = stub.getResultAsync(CompareResult.class);
    Set<String> retriesShown = new HashSet<>();
    try {
      while (true) {
        try {
          return result.get(1, TimeUnit.SECONDS);
        } catch (TimeoutException stillRunning) {
          showRetries(client, id, retriesShown);
        }
      }
    } catch (ExecutionException e) {
      if (e.getCause() instanceof WorkflowFailedException failed) {
        throw new CliException(ExitCode.NEEDS_HUMAN, "the comparison could not finish: " + reason(failed), failed);
      }
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCode.NEEDS_HUMAN, "interrupted while comparing", e);
    }
  }

  /** A database that refuses is retried for a while: say so as it happens, rather than sit silent. */
  private void showRetries(WorkflowClient client, String id, Set<String> shown) {
    for (Moves.PendingActivity a : Moves.pending(client, id)) {
      String line = "(" + a.activity() + ": attempt " + a.attempt()
          + (a.lastFailure() == null ? "" : ", last failure: " + a.lastFailure()) + ")";
      if (a.attempt() > 1 && shown.add(line)) {
        spec.commandLine().getErr().println(line);
        spec.commandLine().getErr().flush();
      }
    }
  }

  /** The innermost failure the activities reported (e.g. a database that refused), not the SDK's wrappers. */
  private static String reason(Throwable e) {
    String reason = e.getMessage();
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof ApplicationFailure failure) {
        return failure.getOriginalMessage();
      }
      if (c instanceof TemporalFailure failure) {
        reason = failure.getOriginalMessage();
      }
    }
    return reason;
  }

  /** A worker polling the queue starts the first workflow task within milliseconds. */
  private static boolean pickedUp(WorkflowClient client, String id, String runId) {
    long deadline = System.nanoTime() + PICK_UP.toNanos();
    while (System.nanoTime() < deadline) {
      boolean started = client.fetchHistory(id, runId).getEvents().stream()
          .anyMatch(e -> e.getEventType() == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
      if (started) {
        return true;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private void print(Plan p, CompareResult result) {
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      out.println(Json.write(result));
      return;
    }
    out.print(StatusView.fingerprints(result.tables()));
    for (var d : result.differences()) {
      out.printf("differing keys in %s: on %s %s, on %s %s%s%n", d.table(),
          p.source().name(), d.sourceKeys(), p.target().name(), d.targetKeys(), d.truncated() ? " (more not shown)" : "");
      d.sourceRows().forEach((key, row) -> out.printf("  %s %s: %s%n", p.source().name(), key, row));
      d.targetRows().forEach((key, row) -> out.printf("  %s %s: %s%n", p.target().name(), key, row));
    }
    out.print(StatusView.objects(result.objects()));
    out.printf("%d objects besides the tables' rows compared (schema, sequences, large objects, materialized views):"
        + " %s%n", result.objectsCompared(), result.objects().isEmpty() ? "all equal" : result.objects().size() + " differ");
    out.printf("compared in %d ms%n", result.millis());
  }
}
