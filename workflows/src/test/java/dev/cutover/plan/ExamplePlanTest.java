package dev.cutover.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The examples operators copy from must stay valid plans. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExamplePlanTest {

  // Surefire runs in the module directory; the example lives at the repository root for operators.
  private static final Path EXAMPLE = Path.of("../examples/local-move.yaml");
  private static final Path REFERENCE = Path.of("../docs/plan.md");

  @Test
  void localMoveParsesOnceFilledIn() throws IOException, PlanException {
    String text = Files.readString(EXAMPLE, StandardCharsets.UTF_8)
        .replace("{{sourcePort}}", "15432")
        .replace("{{targetPort}}", "15433")
        .replace("{{healthPort}}", "18080")
        .replace("{{stateDir}}", "/tmp/cutover-demo");

    Plan plan = PlanParser.parse(text, EXAMPLE.toString());

    assertEquals("cutover-game", plan.workflowId());
    assertEquals(new Database("jdbc:postgresql://127.0.0.1:15432/game", "cutover", null, null),
        plan.source().database());
    assertEquals("jdbc:postgresql://127.0.0.1:15433/game", plan.target().database().url());
    assertEquals(new Service(List.of("rm", "-f", "/tmp/cutover-demo/arm-app.running"),
        List.of("touch", "/tmp/cutover-demo/arm-app.running"), null), plan.target().app());
    assertEquals(List.of("nightly-standings"), plan.source().writers().stream().map(NamedService::name).toList());
    assertEquals(List.of("scoring"), plan.target().jobs().stream().map(NamedService::name).toList());
    assertEquals(List.of("every match that ended is graded"),
        plan.settle().guards().stream().map(Settle.Guard::name).toList());
    assertEquals(Duration.ofSeconds(1), plan.settle().stableFor());
    assertEquals(Duration.ofMillis(500), plan.settle().pollEvery());
    assertEquals(new Copy(Copy.Strategy.DUMP_RESTORE, 2, Copy.Owner.TARGET_USER), plan.copy());
    assertEquals(new Verify(TableSelection.ALL,
        Map.of("predictions", List.of("points_awarded"), "profiles", List.of("points"))), plan.verify());
    assertEquals(new FrontDoor.Command(List.of("touch", "/tmp/cutover-demo/frontdoor-arm"),
        List.of("rm", "-f", "/tmp/cutover-demo/frontdoor-arm")), plan.frontDoor());
    assertEquals(new Health(URI.create("http://127.0.0.1:18080/healthz"), Map.of("X-Served-By", "arm"), null, 5,
        Duration.ofMillis(100), Duration.ofSeconds(30)), plan.health());
  }

  @Test
  void referenceExampleParses() throws IOException, PlanException {
    String reference = Files.readString(REFERENCE, StandardCharsets.UTF_8);
    int start = reference.indexOf("```yaml\n", reference.indexOf("## A complete example")) + "```yaml\n".length();
    String example = reference.substring(start, reference.indexOf("```", start));

    Plan plan = PlanParser.parse(example, REFERENCE.toString());

    assertEquals(Duration.ofHours(48), plan.confirm().staleAfter());
    assertEquals(Host.worker("cutover-arm"), plan.target().host());
  }
}
