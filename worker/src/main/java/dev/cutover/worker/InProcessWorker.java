package dev.cutover.worker;

import dev.cutover.workflow.CompareWorkflowImpl;
import dev.cutover.workflow.CutoverWorkflowImpl;
import dev.cutover.workflow.FallbackWorkflowImpl;
import dev.cutover.workflow.FleetWorkflowImpl;
import dev.cutover.workflow.TaskQueues;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The worker's workflows and activities without Spring, for a command that brings its own embedded
 * Temporal service for one call ({@code cutover compare} with nothing else running). It registers what
 * {@code application.yaml} registers, built by {@link ActivityConfiguration}; a test holds the two lists
 * equal.
 */
public final class InProcessWorker implements AutoCloseable {

  static final List<Class<?>> WORKFLOWS = List.of(CutoverWorkflowImpl.class, CompareWorkflowImpl.class, FleetWorkflowImpl.class,
      FallbackWorkflowImpl.class);

  private final WorkflowServiceStubs stubs;
  private final WorkerFactory factory;

  private InProcessWorker(String address) {
    stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
    factory = WorkerFactory.newInstance(WorkflowClient.newInstance(stubs));
    // Only ever against an embedded service of its own, which strands sticky queues (NOTES.md).
    Worker worker = factory.newWorker(TaskQueues.MAIN,
        WorkerOptions.newBuilder().setStickyQueueScheduleToStartTimeout(Duration.ZERO).build());
    worker.registerWorkflowImplementationTypes(WORKFLOWS.toArray(Class<?>[]::new));
    worker.registerActivitiesImplementations(activities().toArray());
    factory.start();
  }

  /** A worker polling the embedded service at {@code address} until closed. */
  public static InProcessWorker start(String address) {
    return new InProcessWorker(address);
  }

  /** Every activity bean of the main worker, in the order application.yaml names them. */
  static List<Object> activities() {
    ActivityConfiguration beans = new ActivityConfiguration();
    return List.of(beans.databaseActivities(), beans.copyActivities(), beans.fingerprintActivities(),
        beans.hostActivities(), beans.frontDoorActivities(), beans.databaseDoorActivities(), beans.healthActivities(),
        beans.scheduleActivities());
  }

  @Override
  public void close() {
    factory.shutdown();
    factory.awaitTermination(10, TimeUnit.SECONDS);
    stubs.shutdownNow();
  }
}
