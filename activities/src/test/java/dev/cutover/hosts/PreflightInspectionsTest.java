package dev.cutover.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.hosts.HostActivities.ArchRequest;
import dev.cutover.hosts.HostActivities.ArchResult;
import dev.cutover.hosts.HostActivities.ConfigKeys;
import dev.cutover.hosts.HostActivities.ConfigKeysRequest;
import dev.cutover.hosts.HostActivities.DiskRequest;
import dev.cutover.hosts.HostActivities.DiskResult;
import dev.cutover.plan.Architectures;
import dev.cutover.plan.Artifact;
import dev.cutover.plan.Host;
import dev.cutover.preflight.ConfigComparison;
import dev.cutover.preflight.Finding;
import dev.cutover.preflight.PreflightFindings;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance: a target whose config lacks two keys, an arm64 artifact for an x86_64 box and too
 * little disk are all reported by one preflight, and no config value appears in any result or finding.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PreflightInspectionsTest {

  private static final Duration T = Duration.ofSeconds(10);
  private static final String SALT = "move-7f3a";
  private static final List<String> SECRETS = List.of("BPx9-vapid-private-key", "hunter2-smtp", "sk_live_51Hq");

  @TempDir
  Path dir;

  private final HostActivitiesImpl hosts = new HostActivitiesImpl();

  /** A minimal little-endian 64-bit ELF header naming {@code machine}: all preflight reads. */
  static Path elf(Path file, int machine) throws IOException {
    ByteBuffer header = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
    header.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
    header.putShort(16, (short) 2).putShort(18, (short) machine);
    return Files.write(file, header.array());
  }

  @Test
  void missingKeysWrongArchitectureAndTooLittleDiskAreReportedTogether() throws IOException {
    Path sourceEnv = Files.writeString(dir.resolve("home.env"), """
        # game on home
        DATABASE_URL=postgres://game@localhost/game

        export VAPID_PRIVATE_KEY="%s"
        VAPID_PUBLIC_KEY=BPpub
        SMTP_PASSWORD='%s'
        STRIPE_KEY=%s   # live key
        LOG_LEVEL=info
        """.formatted(SECRETS.get(0), SECRETS.get(1), SECRETS.get(2)));
    Path targetEnv = Files.writeString(dir.resolve("arm.env"), """
        DATABASE_URL=postgres://game@localhost/game
        SMTP_PASSWORD=%s
        STRIPE_KEY="%s"
        LOG_LEVEL=debug
        FEATURE_X=1
        """.formatted(SECRETS.get(1), SECRETS.get(2)));
    Path binary = elf(dir.resolve("game"), otherArchMachine());

    ConfigKeys source = hosts.configKeys(new ConfigKeysRequest("home", Host.LOCAL, sourceEnv.toString(), SALT, T));
    ConfigKeys target = hosts.configKeys(new ConfigKeysRequest("arm", Host.LOCAL, targetEnv.toString(), SALT, T));
    ArchResult arch = hosts.architecture(new ArchRequest("arm", Host.LOCAL,
        new Artifact("ghcr.io/v/game:1.4", null, binary.toString(), null), T));
    DiskResult disk = hosts.diskRoom(new DiskRequest("arm", Host.LOCAL, dir.resolve("pgdata").toString(),
        Files.getFileStore(dir).getUsableSpace() * 2, T));

    ConfigComparison.Result diff = ConfigComparison.compare(source, target);
    assertEquals(List.of("VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY"), diff.missingOnTarget());
    assertEquals(List.of("LOG_LEVEL"), diff.differing());
    assertEquals(List.of("FEATURE_X"), diff.extraOnTarget());
    assertEquals(3, diff.same()); // quoting and an inline comment do not make a value differ
    assertEquals(Architectures.normalise(System.getProperty("os.arch")), arch.boxArch());
    assertFalse(arch.matches());
    assertFalse(disk.enough());
    assertEquals(dir.toString(), disk.checkedPath());

    List<Finding> findings = new ArrayList<>(ConfigComparison.findings(source, target));
    findings.add(PreflightFindings.architecture(arch));
    findings.add(PreflightFindings.disk(disk));
    List<Finding> blocking = findings.stream().filter(f -> f.severity() == Finding.Severity.BLOCKING).toList();
    assertEquals(List.of("config arm", "architecture arm", "disk arm"), blocking.stream().map(Finding::check).toList());
    assertEquals("2 keys of home's " + sourceEnv + " missing from arm's " + targetEnv
        + ": VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY", blocking.get(0).message());
    assertEquals("rebuild ghcr.io/v/game:1.4 for " + arch.boxArch() + " and deploy it on arm", blocking.get(1).fix());
    assertTrue(blocking.get(2).message().startsWith("too little disk on arm: "), blocking.get(2).message());
    assertEquals(Finding.warning("config arm", "1 key with different values on home and arm: LOG_LEVEL",
        "confirm each is meant to differ on the new box (addresses, paths) before you confirm"), findings.get(1));

    DataConverter json = DefaultDataConverter.newDefaultInstance();
    for (Object result : List.of(source, target, arch, disk, findings)) {
      String text = json.toPayload(result).orElseThrow().getData().toStringUtf8();
      for (String secret : SECRETS) {
        assertFalse(text.contains(secret), "a config value leaked into " + text);
      }
    }
    assertEquals(disk, json.fromPayload(json.toPayload(disk).orElseThrow(), DiskResult.class, DiskResult.class));
    assertEquals(source, json.fromPayload(json.toPayload(source).orElseThrow(), ConfigKeys.class, ConfigKeys.class));
  }

  /** arm64 on an x86_64 machine, the story's case; amd64 on anything else. */
  private static int otherArchMachine() {
    return "amd64".equals(Architectures.normalise(System.getProperty("os.arch"))) ? 183 : 62;
  }

  @Test
  void theSaltChangesEveryHashAndEqualValuesHashEqually() throws IOException {
    Path env = Files.writeString(dir.resolve(".env"), "A=1\nB=1\nnot a setting\n");
    ConfigKeys one = hosts.configKeys(new ConfigKeysRequest("home", Host.LOCAL, env.toString(), "one", T));
    ConfigKeys two = hosts.configKeys(new ConfigKeysRequest("home", Host.LOCAL, env.toString(), "two", T));

    assertEquals(one.valueHashes().get("A"), one.valueHashes().get("B"));
    assertFalse(one.valueHashes().get("A").equals(two.valueHashes().get("A")));
    assertEquals(1, one.skippedLines());
    assertEquals("dotenv", one.format());
  }

  @Test
  void jsonAndYamlConfigsCompareByNestedKey() throws IOException {
    Path json = Files.writeString(dir.resolve("config.json"), "{\"db\": {\"url\": \"x\", \"pool\": 5}, \"tags\": [\"a\"]}");
    Path yaml = Files.writeString(dir.resolve("config.yaml"), "db:\n  url: x\n  pool: 6\n");
    ConfigKeys j = hosts.configKeys(new ConfigKeysRequest("home", Host.LOCAL, json.toString(), SALT, T));
    ConfigKeys y = hosts.configKeys(new ConfigKeysRequest("arm", Host.LOCAL, yaml.toString(), SALT, T));

    assertEquals(List.of("db.pool", "db.url", "tags[0]"), List.copyOf(j.valueHashes().keySet()));
    ConfigComparison.Result diff = ConfigComparison.compare(j, y);
    assertEquals(List.of("tags[0]"), diff.missingOnTarget());
    assertEquals(List.of("db.pool"), diff.differing());
  }

  @Test
  void aBrokenConfigFileIsReportedWithoutItsText() throws IOException {
    Path json = Files.writeString(dir.resolve("bad.json"), "{\"key\": \"" + SECRETS.get(0) + "\" oops}");
    ApplicationFailure f = assertThrows(ApplicationFailure.class,
        () -> hosts.configKeys(new ConfigKeysRequest("home", Host.LOCAL, json.toString(), SALT, T)));

    assertEquals("config file " + json + " is not valid json at line 1", f.getOriginalMessage());
    ApplicationFailure missing = assertThrows(ApplicationFailure.class, () -> hosts.configKeys(
        new ConfigKeysRequest("home", Host.LOCAL, dir.resolve("nope.env").toString(), SALT, T)));
    assertEquals("config file " + dir.resolve("nope.env") + " does not exist on home", missing.getOriginalMessage());
  }

  @Test
  void architectureFromThePlanOrACommandIsNormalised() {
    ArchResult fromPlan = hosts.architecture(new ArchRequest("arm", Host.LOCAL, new Artifact(null, "x86_64", null, null), T));
    ArchResult fromCommand = hosts.architecture(new ArchRequest("arm", Host.LOCAL,
        new Artifact("game:1.4", null, null, List.of("echo", "linux/arm64")), T));

    assertEquals("amd64", fromPlan.artifactArch());
    assertEquals("arm64", fromCommand.artifactArch());
    assertEquals("output of echo linux/arm64", fromCommand.artifactSource());
  }

  @Test
  void aScriptIsNotAnArtifactBinary() throws IOException {
    Path script = Files.writeString(dir.resolve("run.sh"), "#!/bin/sh\nexec game\n");
    ApplicationFailure f = assertThrows(ApplicationFailure.class, () -> hosts.architecture(
        new ArchRequest("arm", Host.LOCAL, new Artifact(null, null, script.toString(), null), T)));

    assertEquals("INVALID_PLAN", f.getType());
  }

  @Test
  void pendingMigrationsAndTheirFindings() {
    var pending = hosts.pendingMigrations(new HostActivities.MigrationsRequest("home", Host.LOCAL,
        List.of("sh", "-c", "echo 0042_add_odds; exit 1"), T));
    var none = hosts.pendingMigrations(new HostActivities.MigrationsRequest("home", Host.LOCAL, List.of("true"), T));

    assertTrue(pending.pending());
    assertEquals(Finding.blocking("migrations home", "migrations are waiting on home (the check exited 1): 0042_add_odds",
        "run the migrations (or fix the check) before the move: the move copies the schema as it is"),
        PreflightFindings.migrations(pending));
    assertEquals(Finding.Severity.OK, PreflightFindings.migrations(none).severity());
  }

  @Test
  void aWorkerBoxRunsOnlyOnItsOwnWorker() {
    Host viaWorker = Host.worker("cutover-arm");
    ApplicationFailure f = assertThrows(ApplicationFailure.class, () -> hosts.run(
        new HostActivities.CommandRequest("arm", viaWorker, "stop app", List.of("true"), T)));

    assertEquals("NOT_SUPPORTED", f.getType());
    assertEquals("commands for arm run on the cutover worker on arm (task queue cutover-arm), not on this worker",
        f.getOriginalMessage());
    assertEquals(0, new HostActivitiesImpl("cutover-arm").run(
        new HostActivities.CommandRequest("arm", viaWorker, "stop app", List.of("true"), T)).exitCode());
  }
}
