package dev.cutover.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.cutover.plan.Box;
import dev.cutover.plan.Database;
import dev.cutover.plan.FrontDoor;
import dev.cutover.plan.Health;
import dev.cutover.plan.Host;
import dev.cutover.plan.Plan;
import dev.cutover.preflight.Finding;
import dev.cutover.workflow.CutoverRequest;
import dev.cutover.workflow.CutoverResult;
import dev.cutover.workflow.CutoverWorkflow;
import dev.cutover.workflow.TaskQueues;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** A worker started on a box with CUTOVER_HOST_QUEUE also answers for that box's commands. */
@SpringBootTest(properties = {"spring.temporal.test-server.enabled=true", "cutover.temporal.embedded=true",
    "cutover.host-queue=cutover-arm", "server.port=0"})
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HostQueueWorkerTest {

  @Autowired WorkflowClient client;

  @Test
  void theBoxQueueIsPolledAndItsCommandsRunThere() {
    Database nowhere = new Database("jdbc:postgresql://127.0.0.1:1/game", "cutover", null, null);
    Plan plan = new Plan("game",
        new Box("home", nowhere, null, null, null, null, null, null, null, null, null, null),
        new Box("arm", nowhere, Host.worker("cutover-arm"), null, null, null, null, null, null, null, null, null),
        null, null, null, new FrontDoor.Command(List.of("true"), List.of("true")),
        new Health(URI.create("http://127.0.0.1:1/healthz"), Map.of(), null, 1, null, null), null);
    CutoverWorkflow workflow = client.newWorkflowStub(CutoverWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(plan.workflowId()).setTaskQueue(TaskQueues.MAIN).build());

    CutoverResult result = workflow.run(CutoverRequest.move(plan, false, "test"));

    Finding worker = result.status().findings().stream().filter(f -> f.check().equals("worker arm")).findFirst().orElseThrow();
    assertEquals(Finding.ok("worker arm", "a worker polls task queue cutover-arm"), worker);
  }
}
