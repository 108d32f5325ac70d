package dev.cutover.plan;

import static dev.cutover.plan.Plans.errors;
import static dev.cutover.plan.Plans.minimalWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The keys issue 5 added: ssh connection details, service checks, and what preflight inspects. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PreflightKeysTest {

  private static final String SOURCE_DB = "  database: {url: \"jdbc:postgresql://127.0.0.1:5432/game\", user: game}\n";

  private static String sourceWith(String lines) {
    return minimalWith(SOURCE_DB, SOURCE_DB + lines);
  }

  @Test
  void everyNewKeyBinds() throws PlanException {
    Plan plan = PlanParser.parse(sourceWith("""
          host: {exec: ssh, target: ops@home, identityFile: /etc/cutover/id_ed25519, port: 2222,
                 knownHostsFile: /etc/cutover/known_hosts}
          app:
            stop: [systemctl, stop, game]
            check: {command: [systemctl, is-active, game]}
          jobs:
            - {name: scoring, stop: [systemctl, stop, scoring], check: {url: "http://127.0.0.1:8080/healthz"}}
          artifact: {image: "ghcr.io/v/game:1.4", arch: aarch64}
          disk: {path: /var/lib/postgresql}
          migrations: {pendingCommand: [/srv/game/bin/migrate, --pending]}
          nextJob: {sql: "select min(kickoff) from matches where kickoff > now()"}
        """), "plan.yaml");

    Box box = plan.source();
    assertEquals(new Host(Host.Exec.SSH, "ops@home", null, "/etc/cutover/id_ed25519", 2222, "/etc/cutover/known_hosts"),
        box.host());
    assertEquals(ServiceCheck.command("systemctl", "is-active", "game"), box.app().check());
    assertEquals(ServiceCheck.url("http://127.0.0.1:8080/healthz"), box.jobs().get(0).check());
    assertEquals(ServiceCheck.url("http://127.0.0.1:8080/healthz"), box.jobs().get(0).service().check());
    assertEquals(new Artifact("ghcr.io/v/game:1.4", "aarch64", null, null), box.artifact());
    assertEquals(new Disk("/var/lib/postgresql"), box.disk());
    assertEquals(new Migrations(List.of("/srv/game/bin/migrate", "--pending")), box.migrations());
    assertEquals(new NextJob("select min(kickoff) from matches where kickoff > now()"), box.nextJob());
  }

  @Test
  void sshKeysOnlyWithSsh() {
    assertEquals(List.of("plan.yaml:5: source.host.identityFile: only used when exec is ssh, not local"),
        errors(sourceWith("  host: {exec: local, identityFile: /k}\n")));
    assertEquals(List.of("plan.yaml:5: source.host.port: must be between 1 and 65535"),
        errors(sourceWith("  host: {exec: ssh, target: a@b, port: 70000}\n")));
  }

  @Test
  void checkIsACommandOrAUrl() {
    assertEquals(List.of("plan.yaml:5: source.app.check.command: give one of command or url"),
        errors(sourceWith("  app: {check: {}}\n")));
    assertEquals(List.of("plan.yaml:5: source.app.check.url: give one of command or url, not both command and url"),
        errors(sourceWith("  app: {check: {command: [true], url: \"http://127.0.0.1/\"}}\n")));
    assertEquals(List.of("plan.yaml:5: source.app.check.command: give the command as an argument list, e.g."
            + " [systemctl, stop, game]: cutover never runs a shell"),
        errors(sourceWith("  app: {check: {command: [\"systemctl is-active game\"]}}\n")));
    assertEquals(List.of("plan.yaml:5: source.app.check.url: expected an http or https URL with a host, e.g."
            + " https://game.example.com/healthz; got 'ftp://x'"),
        errors(sourceWith("  app: {check: {url: \"ftp://x\"}}\n")));
  }

  @Test
  void artifactNamesItsArchitectureOneWay() {
    assertEquals(List.of("plan.yaml:5: source.artifact.arch: an image reference cannot be inspected without asking a"
            + " registry: give one of arch, binary or archCommand"),
        errors(sourceWith("  artifact: {image: \"ghcr.io/v/game:1.4\"}\n")));
    assertEquals(List.of("plan.yaml:5: source.artifact.binary: give one of arch, binary or archCommand, not both"
            + " arch and binary"),
        errors(sourceWith("  artifact: {arch: arm64, binary: /srv/game/bin/game}\n")));
    assertEquals(List.of("plan.yaml:5: source.artifact.arch: 'sparc' is not a CPU architecture cutover knows: use"
            + " one of amd64 (x86_64), arm64 (aarch64), arm (armv7l), 386 (i686), riscv64, ppc64le, s390x"),
        errors(sourceWith("  artifact: {arch: sparc}\n")));
  }

  @Test
  void preflightKeysNeedTheirValues() {
    assertEquals(List.of("plan.yaml:5: source.migrations.pendingCommand: missing required key 'pendingCommand'",
            "plan.yaml:6: source.disk.path: missing required key 'path'",
            "plan.yaml:7: source.nextJob.sql: missing required key 'sql'"),
        errors(sourceWith("  migrations: {}\n  disk: {}\n  nextJob: {}\n")));
  }
}
