package dev.cutover.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.demo.DemoWorld;
import io.temporal.client.WorkflowClient;
import io.temporal.serviceclient.WorkflowServiceStubs;
import io.temporal.serviceclient.WorkflowServiceStubsOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole move whose database password and front-door API token are known strings: neither may appear
 * anywhere in the workflow's history (inputs, results, heartbeats, failures), its status or the CLI's
 * output. The plan names only the files that hold them. (The demo's clusters trust loopback, so the
 * server does not check the password; what is tested is where the value travels through cutover.)
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SecretsEndToEndTest {

  @TempDir Path dir;
  @RegisterExtension final Scenario scenario = new Scenario();

  @Test
  void neitherThePasswordNorTheTokenEverEntersHistoryStatusOrOutput() throws Exception {
    String password = "pw-" + Long.toHexString(System.nanoTime()) + "-do-not-log";
    Path passwordFile = dir.resolve("db-password");
    Files.writeString(passwordFile, password + "\n");
    scenario.start(DemoWorld.Options.forTests().withFrontDoor(DemoWorld.FrontDoorKind.CLOUDFLARE, false),
        plan -> plan.replace("user: cutover}", "user: cutover, passwordFile: \"" + passwordFile + "\"}"));
    String token = Files.readString(scenario.world.tokenFile()).strip();
    scenario.world.startWorker();
    Cli finished = scenario.confirmedMove();
    assertEquals(0, finished.exitCode(), finished.out() + finished.err());

    String history = history();
    Cli status = Cli.run("status", DemoWorld.APP, "--json", "--address", scenario.address);
    Cli report = Cli.run("report", DemoWorld.APP, "--format", "json", "--address", scenario.address);

    assertTrue(history.contains("passwordFile") && history.contains("tokenFile"),
        "the history does hold the plan, with where the secrets live");
    for (String text : new String[] {history, status.out(), report.out(), finished.out(), finished.err()}) {
      assertFalse(text.contains(password), "the database password leaked");
      assertFalse(text.contains(token), "the API token leaked");
    }
  }

  /** PgBouncer's admin password, which its console really checks (md5), travels no further than psql's environment. */
  @Test
  @org.junit.jupiter.api.Tag("slow")
  void thePgBouncerAdminPasswordNeverEntersHistoryStatusOrOutput() throws Exception {
    scenario.start(DemoWorld.Options.forTests().withDatabaseDoor(true));
    String password = Files.readString(Path.of(scenario.world.pgbouncer().admin().passwordFile())).strip();
    scenario.world.startWorker();
    Cli finished = scenario.confirmedMove();
    assertEquals(0, finished.exitCode(), finished.out() + finished.err());

    String history = history();
    Cli status = Cli.run("status", DemoWorld.APP, "--json", "--address", scenario.address);
    Cli report = Cli.run("report", DemoWorld.APP, "--format", "json", "--address", scenario.address);

    assertTrue(history.contains("DatabaseDoorHold") && history.contains("passwordFile"),
        "the history holds the door's steps and where its password lives");
    for (String text : new String[] {history, status.out(), report.out(), finished.out(), finished.err()}) {
      assertFalse(text.contains(password), "PgBouncer's admin password leaked");
    }
  }

  /**
   * The history as JSON, with every payload decoded: in the JSON form payloads (inputs, results,
   * heartbeats, signal arguments) are base64, where a plain search would never see a leaked secret.
   */
  private String history() {
    WorkflowServiceStubs stubs = WorkflowServiceStubs.newServiceStubs(
        WorkflowServiceStubsOptions.newBuilder().setTarget(scenario.address).build());
    try {
      String json = WorkflowClient.newInstance(stubs).fetchHistory("cutover-game").toJson(false);
      StringBuilder decoded = new StringBuilder(json);
      java.util.regex.Matcher data = java.util.regex.Pattern.compile("\"data\"\\s*:\\s*\"([A-Za-z0-9+/=]+)\"").matcher(json);
      while (data.find()) {
        decoded.append('\n').append(new String(java.util.Base64.getDecoder().decode(data.group(1)),
            java.nio.charset.StandardCharsets.UTF_8));
      }
      return decoded.toString();
    } finally {
      stubs.shutdownNow();
    }
  }
}
