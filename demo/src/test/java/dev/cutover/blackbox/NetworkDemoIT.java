package dev.cutover.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.blackbox.Shipped.Result;
import dev.cutover.demo.NetworkWorld;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * `./cutover demo --network --yes` as shipped: home and arm on hosts of their own (network namespaces), their
 * databases reached over links of 20 ms each way. The move completes with nothing lost and its blackout
 * reported, and every namespace the demo made is gone after it.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class NetworkDemoIT {

  private static final Pattern BOX = Pattern.compile(
      "\\[demo] network: (home|arm) is namespace (\\S+), its PostgreSQL listens on (\\S+); the mover reaches it at"
          + " (\\S+), 20 ms each way: round trip (\\d+) ms measured");

  @Test
  void theDemoMovesTheGameBetweenHostsOnALinkWithLatencyAndLeavesNoNamespace(@TempDir Path dir) throws Exception {
    String why = NetworkWorld.unavailable();
    assumeTrue(why == null, why);
    Path report = dir.resolve("report.json");
    Result demo = Shipped.run(Shipped.env(null), Duration.ofMinutes(8), "demo", "--network", "--yes", "--report",
        report.toString());

    assertEquals(0, demo.exitCode(), demo.toString());
    Matcher box = BOX.matcher(demo.out());
    List<String> namespaces = new ArrayList<>();
    while (box.find()) {
      namespaces.add(box.group(2));
      assertFalse(box.group(3).startsWith("127."), "the box listens on an address of its own: " + box.group());
      assertFalse(box.group(4).startsWith("127."), "reached across its link: " + box.group());
      int roundTrip = Integer.parseInt(box.group(5));
      assertTrue(roundTrip >= 40 && roundTrip < 190, "the link's round trip: " + box.group());
    }
    assertEquals(2, namespaces.size(), "both boxes are hosts of their own:\n" + demo);
    JsonNode json = new ObjectMapper().readTree(report.toFile());
    assertEquals("COMPLETED", json.path("outcome").asText(), json.toString());
    assertEquals("arm", json.path("liveBox").asText(), json.toString());
    assertEquals(0, json.path("lost").asInt(-1), json.toString());
    assertEquals(0, json.path("oneWriterViolations").asInt(-1), json.toString());
    assertTrue(json.path("acknowledged").asInt() > 0, json.toString());
    assertTrue(json.path("blackoutMillis").asLong() > 0, "the blackout is reported: " + json);
    // Within Caddy's hold (30 s): the players' held requests were answered, none failed.
    assertTrue(json.path("blackoutMillis").asLong() < 30_000, json.toString());
    assertEquals(0, json.path("failedRequests").asInt(-1), json.toString());
    assertTrue(demo.out().contains("stopped every cluster, server, proxy and worker the demo started"), demo.out());
    Process list = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
    String left = new String(list.getInputStream().readAllBytes());
    list.waitFor();
    for (String ns : namespaces) {
      assertFalse(left.contains(ns), ns + " is left:\n" + left);
    }
    System.out.println("demo --network: " + json.path("blackoutMillis").asLong() + " ms blackout, "
        + json.path("failedRequests").asInt() + " failed requests, " + namespaces);
  }

  @Test
  void aLatencyOutOfRangeIsABadUsageNamingTheOption() throws Exception {
    Result demo = Shipped.run(Shipped.env(null), Duration.ofSeconds(90), "demo", "--network", "--latency", "2s",
        "--yes");
    assertEquals(2, demo.exitCode(), demo.toString());
    assertTrue(demo.err().contains("--latency is 0 to 500ms each way, not 2s"), demo.toString());
    assertEquals("", demo.out(), "nothing was started: " + demo);
  }
}
