package dev.cutover.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.blackbox.Shipped.Result;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** README's first command, as a newcomer types it: `./cutover demo`, confirmed with --yes. */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DemoIT {

  @Test
  void theDemoMovesTheGameAndLosesNothing(@TempDir Path dir) throws Exception {
    Path report = dir.resolve("report.json");
    Result demo = Shipped.run(Shipped.env(null), Duration.ofMinutes(8), "demo", "--yes", "--report", report.toString());

    assertEquals(0, demo.exitCode(), demo.toString());
    assertTrue(demo.out().contains("[demo] preflight blocked the move"), "the story's missing key is found first\n" + demo);
    JsonNode json = new ObjectMapper().readTree(report.toFile());
    assertEquals("COMPLETED", json.path("outcome").asText(), json.toString());
    assertEquals("arm", json.path("liveBox").asText(), json.toString());
    assertEquals(0, json.path("lost").asInt(-1), json.toString());
    assertEquals(0, json.path("oneWriterViolations").asInt(-1), json.toString());
    assertTrue(json.path("acknowledged").asInt() > 0, json.toString());
    assertEquals(json.path("acknowledged").asInt(), json.path("foundOnTarget").asInt(), json.toString());
  }
}
