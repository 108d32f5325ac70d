package dev.cutover.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PlanParserTest {

  @Test
  void fullPlanBindsEveryKey() throws PlanException {
    Plan plan = PlanParser.parse(Plans.resource("full.yaml"), "full.yaml");

    assertEquals("game", plan.app());
    assertEquals("cutover-game", plan.workflowId());
    Box source = plan.source();
    assertEquals("home", source.name());
    assertEquals(new Database("jdbc:postgresql://10.0.0.5:5432/game?sslmode=require", "game", "SRC_PGPASSWORD", null),
        source.database());
    assertEquals(Host.ssh("ops@home"), source.host());
    assertEquals(new Service(List.of("systemctl", "stop", "game"), List.of("systemctl", "start", "game"), null), source.app());
    assertEquals(List.of(new NamedService("nightly-standings", List.of("systemctl", "stop", "standings.timer"),
        List.of("systemctl", "start", "standings.timer"), null)), source.writers());
    assertEquals(List.of(new NamedService("scoring", List.of("systemctl", "stop", "scoring"),
        List.of("systemctl", "start", "scoring"), null)), source.jobs());
    assertEquals(new ConfigFile("/srv/game/.env"), source.config());

    Box target = plan.target();
    assertEquals(new Database("jdbc:postgresql://10.0.0.9/game", "game", null, "/etc/cutover/arm.pgpass"),
        target.database());
    assertEquals(Host.worker("cutover-arm"), target.host());
    assertEquals(Service.NONE, target.app());
    assertEquals(List.of(), target.writers());
    assertEquals(null, target.config());

    assertEquals(new Settle(
        List.of(new Settle.Guard("every finished match graded",
            "select not exists (select 1 from matches where finished and not graded)\n")),
        Duration.ofSeconds(60), Duration.ofMinutes(90), Duration.ofMillis(500)), plan.settle());
    assertEquals(new Copy(Copy.Strategy.LOGICAL, 4, Copy.Owner.TARGET_USER), plan.copy());
    assertEquals(new Verify(new TableSelection(List.of("profiles", "public.trades")),
        Map.of("predictions", List.of("points_awarded", "stake"))), plan.verify());
    assertEquals(new FrontDoor.CloudflareTunnel("0123abcd", "game.example.com", FrontDoor.CloudflareTunnel.Mode.INGRESS,
        "6ff42ae2-765d-4adf-8112-31c55c1551ef", "http://localhost:8080", "http://10.0.0.9:8080", null, null, null,
        "CF_API_TOKEN", null, URI.create("https://api.cloudflare.com/client/v4")), plan.frontDoor());
    assertEquals(new Health(URI.create("https://game.example.com/healthz"), Map.of("X-Served-By", "arm"), "ok", 20,
        Duration.ofMillis(250), Duration.ofMinutes(2)), plan.health());
    assertEquals(new Confirm(Duration.ofDays(2)), plan.confirm());
  }

  @Test
  void minimalPlanGetsDefaults() throws PlanException {
    Plan plan = PlanParser.parse(Plans.resource("minimal.yaml"), "minimal.yaml");

    assertEquals(Host.LOCAL, plan.source().host());
    assertEquals(Service.NONE, plan.source().app());
    assertEquals(List.of(), plan.source().jobs());
    assertEquals(new Database("jdbc:postgresql://127.0.0.1:5432/game", "game", null, null), plan.source().database());
    assertEquals(new Settle(List.of(), Duration.ZERO, Duration.ofHours(2), Duration.ofSeconds(2)), plan.settle());
    assertEquals(Copy.DEFAULT, plan.copy());
    assertTrue(plan.verify().tables().all());
    assertEquals(Map.of(), plan.verify().sums());
    assertEquals(new FrontDoor.Command(List.of("touch", "/tmp/switched"), List.of("rm", "-f", "/tmp/switched")),
        plan.frontDoor());
    assertEquals(new Health(URI.create("http://127.0.0.1:8080/healthz"), Map.of(), null, 20, Duration.ofMillis(250),
        Duration.ofMinutes(2)), plan.health());
    assertEquals(Confirm.DEFAULT, plan.confirm());
  }

  @Test
  void caddyFrontDoorBinds() throws PlanException {
    Plan plan = PlanParser.parse(Plans.minimalWith(
        "frontDoor: {type: command, switch: [touch, /tmp/switched], revert: [rm, -f, /tmp/switched]}",
        "frontDoor: {type: caddy, adminUrl: \"http://127.0.0.1:2019\", targetUpstream: \"10.0.0.9:8080\","
            + " routeId: game, holdFor: 30s, maxConnections: 32}"), "plan.yaml");

    assertEquals(new FrontDoor.Caddy(URI.create("http://127.0.0.1:2019"), "10.0.0.9:8080", "game",
        Duration.ofSeconds(30), 32, null), plan.frontDoor());
  }

  @Test
  void tablesAllBindsToAll() throws PlanException {
    Plan plan = PlanParser.parse(Plans.resource("minimal.yaml") + "verify: {tables: all}\n", "plan.yaml");

    assertEquals(TableSelection.ALL, plan.verify().tables());
  }

  @Test
  void stableForMayBeZero() throws PlanException {
    Plan plan = PlanParser.parse(Plans.resource("minimal.yaml") + "settle: {stableFor: 0s}\n", "plan.yaml");

    assertEquals(Duration.ZERO, plan.settle().stableFor());
  }

  @Test
  void isoDurationsAreAccepted() throws PlanException {
    Plan plan = PlanParser.parse(Plans.resource("minimal.yaml") + "confirm: {staleAfter: PT36H}\n", "plan.yaml");

    assertEquals(Duration.ofHours(36), plan.confirm().staleAfter());
  }
}
