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
        .replace("{{control}}", "http://127.0.0.1:19000")
        .replace("{{homeAppPort}}", "18080")
        .replace("{{armAppPort}}", "18081")
        .replace("{{homeConfig}}", "/tmp/demo/home.env")
        .replace("{{armConfig}}", "/tmp/demo/arm.env")
        .replace("{{publicUrl}}", "http://127.0.0.1:18443")
        .replace("{{frontDoor}}",
            "{type: caddy, adminUrl: \"http://127.0.0.1:2019\", routeId: game, targetUpstream: \"127.0.0.1:18081\"}");

    Plan plan = PlanParser.parse(text, EXAMPLE.toString());

    assertEquals("cutover-game", plan.workflowId());
    assertEquals(new Database("jdbc:postgresql://127.0.0.1:15432/game", "cutover", null, null),
        plan.source().database());
    assertEquals("jdbc:postgresql://127.0.0.1:15433/game", plan.target().database().url());
    assertEquals(List.of("curl", "-fsS", "-X", "POST", "http://127.0.0.1:19000/services/arm-app/stop"),
        plan.target().app().stop());
    assertEquals(URI.create("http://127.0.0.1:18081/healthz"), plan.target().app().check().url());
    assertEquals(List.of("nightly-standings"), plan.source().writers().stream().map(NamedService::name).toList());
    assertEquals(List.of("nightly-standings"), plan.target().writers().stream().map(NamedService::name).toList());
    assertEquals(List.of("odds-freezer", "grader"), plan.target().jobs().stream().map(NamedService::name).toList());
    assertEquals(new ConfigFile("/tmp/demo/arm.env"), plan.target().config());
    assertEquals(List.of("no match in play", "every match that ended is graded"),
        plan.settle().guards().stream().map(Settle.Guard::name).toList());
    assertEquals(Duration.ofSeconds(1), plan.settle().stableFor());
    assertEquals(Copy.Strategy.DUMP_RESTORE, plan.copy().strategy());
    assertEquals(2, plan.copy().jobs());
    assertEquals(Map.of("predictions", List.of("points_awarded"), "profiles", List.of("points")), plan.verify().sums());
    assertEquals("caddy", plan.frontDoor().type());
    assertEquals(Map.of("X-Served-By", "arm"), plan.health().expectHeader());
    assertEquals(URI.create("http://127.0.0.1:18443/healthz"), plan.health().url());
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
