package dev.cutover.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.plan.Box;
import dev.cutover.plan.Database;
import dev.cutover.plan.FrontDoor;
import dev.cutover.plan.Health;
import dev.cutover.plan.Plan;
import dev.cutover.preflight.Finding;
import dev.cutover.workflow.CutoverRequest;
import dev.cutover.workflow.CutoverResult;
import dev.cutover.workflow.CutoverWorkflow;
import dev.cutover.workflow.Outcome;
import dev.cutover.workflow.TaskQueues;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The Spring wiring: health with Temporal in it, and the explicitly registered workflow and activities. */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"spring.temporal.test-server.enabled=true", "cutover.temporal.embedded=true"})
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class WorkerApplicationTest {

  @Autowired WorkflowClient client;
  @LocalServerPort int port;

  @Test
  void healthIncludesTheTemporalConnection() throws Exception {
    HttpResponse<String> health = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health")).build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(200, health.statusCode(), health.body());
    assertTrue(health.body().contains("\"temporal\":{\"status\":\"UP\""), health.body());
  }

  @Test
  void theRegisteredWorkflowAndActivitiesRunAPreflight() {
    // Port 1 on loopback: nothing listens there, so preflight must report both databases unreachable.
    Database nowhere = new Database("jdbc:postgresql://127.0.0.1:1/game", "cutover", null, null);
    Plan plan = new Plan("game",
        new Box("home", nowhere, null, null, null, null, null, null, null, null, null, null),
        new Box("arm", nowhere, null, null, null, null, null, null, null, null, null, null),
        null, null, null,
        new FrontDoor.Command(List.of("true"), List.of("true")),
        new Health(URI.create("http://127.0.0.1:1/healthz"), Map.of(), null, 1, null, null), null);
    CutoverWorkflow workflow = client.newWorkflowStub(CutoverWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId(plan.workflowId()).setTaskQueue(TaskQueues.MAIN).build());

    CutoverResult result = workflow.run(CutoverRequest.move(plan, false, "test"));

    assertEquals(Outcome.BLOCKED, result.outcome());
    List<String> blocking = result.status().findings().stream()
        .filter(f -> f.severity() == Finding.Severity.BLOCKING).map(Finding::check).toList();
    assertEquals(List.of("source database", "target database"), blocking);
    assertTrue(result.status().findings().stream().anyMatch(f -> f.check().equals("front door")
        && f.severity() == Finding.Severity.OK), result.status().findings().toString());
  }
}
