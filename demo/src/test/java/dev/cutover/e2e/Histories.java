package dev.cutover.e2e;

import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Saves the history of a real move for the replay tests in workflows/. Off by default; run the
 * end-to-end tests with {@code -Dcutover.recordHistories=<repo>/workflows/src/test/resources/histories}
 * after a deliberate change to the workflow to record new ones.
 */
final class Histories {

  private Histories() {}

  static void record(String temporalAddress, String workflowId, String name) throws IOException {
    String dir = System.getProperty("cutover.recordHistories");
    if (dir == null) {
      return;
    }
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(temporalAddress).build());
    try {
      String json = WorkflowClient.newInstance(stubs).fetchHistory(workflowId).toJson(true);
      Files.writeString(Path.of(dir).resolve(name + ".json"), json);
    } finally {
      stubs.shutdownNow();
    }
  }
}
