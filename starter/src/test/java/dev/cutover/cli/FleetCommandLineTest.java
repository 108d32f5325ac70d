package dev.cutover.cli;

import static dev.cutover.cli.CommandLineTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.cli.CommandLineTest.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Fleets on the command line without a worker: the fleet file's errors, and how commands name a fleet. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FleetCommandLineTest {

  @TempDir Path dir;

  private Path plan(String app) throws IOException {
    Path sites = Files.createDirectories(dir.resolve("sites"));
    return Files.writeString(sites.resolve(app + ".yaml"), String.join("\n",
        "app: " + app,
        "source: {name: home, database: {url: \"jdbc:postgresql://127.0.0.1:5432/" + app + "\", user: cutover}}",
        "target: {name: arm, database: {url: \"jdbc:postgresql://127.0.0.1:5433/" + app + "\", user: cutover}}",
        "frontDoor: {type: command, switch: [\"true\"], revert: [\"true\"]}",
        "health: {url: \"http://127.0.0.1:1/healthz\"}", ""));
  }

  @Test
  void validateAcceptsAFleetWhosePlansSitBesideIt() throws IOException {
    plan("shop");
    plan("blog");
    Path fleet = Files.writeString(dir.resolve("fleet.yaml"),
        "fleet: small-sites\nmaxConcurrent: 2\nplans: [sites/shop.yaml, sites/blog.yaml]\n");

    Run r = run("validate", fleet.toString());

    assertEquals(0, r.code(), r.err());
    assertEquals(fleet + ": valid: fleet small-sites moves 2 apps (shop, blog), at most 2 past their gates at once\n",
        r.out());
  }

  @Test
  void aMissingPlanOfAFleetNamesTheFleetFileTheLineAndWhereItLooked() throws IOException {
    plan("shop");
    Path fleet = Files.writeString(dir.resolve("fleet.yaml"),
        "fleet: small-sites\nplans:\n  - sites/shop.yaml\n  - sites/gone.yaml\n");

    Run start = run("start", fleet.toString(), "--address", "127.0.0.1:1");

    assertEquals(2, start.code(), start.err());
    assertTrue(start.err().contains(fleet + ":4: plans[1]: sites/gone.yaml: no such plan file (looked for "
        + dir.resolve("sites/gone.yaml") + ")"), start.err());
    assertTrue(start.err().contains("1 error in " + fleet), start.err());
  }

  @Test
  void aFleetHasNoRehearsal() throws IOException {
    plan("shop");
    Path fleet = Files.writeString(dir.resolve("fleet.yaml"), "fleet: f\nplans: [sites/shop.yaml]\n");
    Run r = run("start", fleet.toString(), "--rehearsal", "--address", "127.0.0.1:1");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("--rehearsal is for one app's plan: rehearse each plan of the fleet on its own"), r.err());
  }

  @Test
  void commandsNameAnAppOrAFleetNeverBothNorNeither() {
    for (String command : new String[] {"status", "report", "confirm", "abort", "watch"}) {
      Run neither = run(command, "--address", "127.0.0.1:1");
      assertEquals(2, neither.code(), command + ": " + neither.err());
      assertTrue(neither.err().contains("name an app (`cutover " + command + " APP`) or a fleet (`cutover " + command
          + " --fleet NAME`)"), neither.err());
      Run both = run(command, "shop", "--fleet", "small-sites", "--address", "127.0.0.1:1");
      assertEquals(2, both.code(), command + ": " + both.err());
      assertTrue(both.err().contains("name an app or a fleet, not both"), both.err());
    }
  }

  @Test
  void anUnknownFleetIsABadUsageNamingItsWorkflow() {
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(0)) {
      try {
        for (String command : new String[] {"status", "report", "confirm", "abort", "watch"}) {
          Run r = run(command, "--fleet", "small-sites", "--address", temporal.address());
          assertEquals(2, r.code(), command + ": " + r.err());
          assertTrue(r.err().contains("no fleet small-sites is known to Temporal at " + temporal.address()
              + " (workflow id cutover-fleet-small-sites)"), command + ": " + r.err());
        }
      } finally {
        ConnectionOptions.release(temporal.address());
      }
    }
  }
}
