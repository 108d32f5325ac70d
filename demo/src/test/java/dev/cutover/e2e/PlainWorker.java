package dev.cutover.e2e;

import dev.cutover.database.CopyActivities;
import dev.cutover.database.DatabaseActivitiesImpl;
import dev.cutover.database.FingerprintActivitiesImpl;
import dev.cutover.frontdoor.FrontDoorActivitiesImpl;
import dev.cutover.hosts.HostActivitiesImpl;
import dev.cutover.live.HealthActivitiesImpl;
import dev.cutover.preflight.ScheduleActivitiesImpl;
import dev.cutover.workflow.CutoverWorkflowImpl;
import dev.cutover.workflow.TaskQueues;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import io.temporal.worker.Worker;
import io.temporal.worker.WorkerFactory;
import io.temporal.worker.WorkerOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A worker without Spring, for tests that swap the copy activities for a test-only one. */
final class PlainWorker implements AutoCloseable {

  private final WorkflowServiceStubs stubs;
  private final WorkerFactory factory;

  PlainWorker(String address, CopyActivities copy) {
    stubs = WorkflowServiceStubs.newServiceStubs(WorkflowServiceStubsOptions.newBuilder().setTarget(address).build());
    factory = WorkerFactory.newInstance(WorkflowClient.newInstance(stubs));
    Worker worker = factory.newWorker(TaskQueues.MAIN,
        WorkerOptions.newBuilder().setStickyQueueScheduleToStartTimeout(Duration.ZERO).build());
    worker.registerWorkflowImplementationTypes(CutoverWorkflowImpl.class, dev.cutover.workflow.CompareWorkflowImpl.class,
        dev.cutover.workflow.FleetWorkflowImpl.class, dev.cutover.workflow.FallbackWorkflowImpl.class);
    worker.registerActivitiesImplementations(
        new DatabaseActivitiesImpl(), copy, new FingerprintActivitiesImpl(), new HostActivitiesImpl(), new FrontDoorActivitiesImpl(),
        new dev.cutover.frontdoor.DatabaseDoorActivitiesImpl(), new HealthActivitiesImpl(),
        new ScheduleActivitiesImpl());
    factory.start();
  }

  @Override
  public void close() {
    factory.shutdownNow();
    factory.awaitTermination(10, TimeUnit.SECONDS);
    stubs.shutdownNow();
  }
}
