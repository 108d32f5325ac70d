package dev.cutover.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.database.CopyActivitiesImpl;
import dev.cutover.database.DatabaseActivitiesImpl;
import dev.cutover.database.FingerprintActivitiesImpl;
import dev.cutover.frontdoor.FrontDoorActivitiesImpl;
import dev.cutover.hosts.HostActivitiesImpl;
import dev.cutover.live.HealthActivitiesImpl;
import dev.cutover.plan.Artifact;
import dev.cutover.plan.Box;
import dev.cutover.plan.ConfigFile;
import dev.cutover.plan.Database;
import dev.cutover.plan.Disk;
import dev.cutover.plan.FrontDoor;
import dev.cutover.plan.Health;
import dev.cutover.plan.Plan;
import dev.cutover.preflight.Finding;
import dev.cutover.preflight.ScheduleActivitiesImpl;
import dev.cutover.workflow.CutoverRequest;
import dev.cutover.workflow.CutoverResult;
import dev.cutover.workflow.CutoverWorkflow;
import dev.cutover.workflow.CutoverWorkflowImpl;
import dev.cutover.workflow.Outcome;
import dev.cutover.workflow.TaskQueues;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The story's preflight, through the workflow with the real host activities: the target's config is
 * missing two keys (one is the push-signing key), the app artifact is built for arm64 but the box is
 * x86_64, and the target's disk cannot hold the source. All three are reported at once, and no config
 * value appears in the result or in any payload of the history.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PreflightEndToEndTest {

  private static final String PUSH_KEY = "push-signing-key-5b1e-never-shown";
  private static final String MAIL_KEY = "mail-api-key-77c2-never-shown";

  @TempDir Path dir;

  @Test
  void configArchitectureAndDiskProblemsAreReportedTogetherWithoutAValue() throws Exception {
    Path homeEnv = dir.resolve("home.env");
    Path armEnv = dir.resolve("arm.env");
    Files.writeString(homeEnv, "APP_NAME=game\nPUSH_SIGNING_KEY=" + PUSH_KEY + "\nMAIL_KEY=" + MAIL_KEY + "\n");
    Files.writeString(armEnv, "APP_NAME=game\n");
    Path binary = dir.resolve("game-server");
    Files.write(binary, elfHeader(183)); // EM_AARCH64
    Database db = new Database("jdbc:postgresql://127.0.0.1:1/game", "cutover", null, null);
    Plan plan = new Plan("game",
        new Box("home", db, null, null, null, null, new ConfigFile(homeEnv.toString()), null, null, null, null, null),
        new Box("arm", db, null, null, null, null, new ConfigFile(armEnv.toString()),
            new Artifact(null, null, binary.toString(), null), new Disk(dir.toString()), null, null, null),
        null, null, null, new FrontDoor.Command(List.of("true"), List.of("true")),
        new Health(URI.create("http://127.0.0.1:1/healthz"), Map.of(), null, 1, null, null), null);

    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance()) {
      Worker worker = env.newWorker(TaskQueues.MAIN);
      worker.registerWorkflowImplementationTypes(CutoverWorkflowImpl.class);
      worker.registerActivitiesImplementations(new HugeSourceNoDatabases(), new CopyActivitiesImpl(),
          new FingerprintActivitiesImpl(), new HostActivitiesImpl(),
          new FrontDoorActivitiesImpl(), new HealthActivitiesImpl(), new ScheduleActivitiesImpl());
      env.start();
      CutoverWorkflow workflow = env.getWorkflowClient().newWorkflowStub(CutoverWorkflow.class,
          WorkflowOptions.newBuilder().setWorkflowId(plan.workflowId()).setTaskQueue(TaskQueues.MAIN).build());

      CutoverResult result = workflow.run(CutoverRequest.move(plan, false, "test"));

      assertEquals(Outcome.BLOCKED, result.outcome());
      List<Finding> blocking = result.status().findings().stream()
          .filter(f -> f.severity() == Finding.Severity.BLOCKING).toList();
      assertEquals(3, blocking.size(), blocking.toString());
      String all = blocking.toString();
      assertTrue(all.contains("MAIL_KEY") && all.contains("PUSH_SIGNING_KEY"), all);
      assertTrue(all.contains("arm64") && all.contains("x86_64"), all);
      assertTrue(all.contains("too little disk on arm"), all);

      String history = decoded(env.getWorkflowClient().fetchHistory(plan.workflowId()).toJson(false));
      assertTrue(history.contains("PUSH_SIGNING_KEY"), "the history does hold the findings");
      for (String text : new String[] {history, result.toString()}) {
        assertFalse(text.contains(PUSH_KEY), "a config value leaked");
        assertFalse(text.contains(MAIL_KEY), "a config value leaked");
      }
    }
  }

  /** Databases that answer without a server: a source far larger than any disk, and no target yet. */
  static final class HugeSourceNoDatabases extends DatabaseActivitiesImpl {
    @Override
    public DatabaseInfo inspect(InspectRequest request) {
      boolean source = request.box().equals("home");
      return new DatabaseInfo(request.box(), true, source, null, 150018, "PostgreSQL 15.18",
          source ? 1L << 60 : null, source ? 6 : 0, null, false, null, null);
    }

    @Override
    public ExtensionCheck checkExtensions(ExtensionRequest request) {
      return new ExtensionCheck(List.of(), List.of());
    }
  }

  private static byte[] elfHeader(int machine) {
    byte[] header = new byte[64];
    header[0] = 0x7f;
    header[1] = 'E';
    header[2] = 'L';
    header[3] = 'F';
    header[4] = 2; // 64-bit
    header[5] = 1; // little-endian
    header[6] = 1;
    header[16] = 2; // executable
    header[18] = (byte) machine;
    header[19] = (byte) (machine >> 8);
    return header;
  }

  /** Payloads are base64 in history JSON: decode them so a leaked value would be seen. */
  private static String decoded(String json) {
    StringBuilder out = new StringBuilder(json);
    Matcher data = Pattern.compile("\"data\"\\s*:\\s*\"([A-Za-z0-9+/=]+)\"").matcher(json);
    while (data.find()) {
      out.append('\n').append(new String(Base64.getDecoder().decode(data.group(1)), StandardCharsets.UTF_8));
    }
    return out.toString();
  }
}
