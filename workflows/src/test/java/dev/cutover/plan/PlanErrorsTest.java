package dev.cutover.plan;

import static dev.cutover.plan.Plans.errors;
import static dev.cutover.plan.Plans.minimalWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each check once, asserting the exact line, path and words the operator will see. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PlanErrorsTest {

  private static final String COMMAND_DOOR =
      "frontDoor: {type: command, switch: [touch, /tmp/switched], revert: [rm, -f, /tmp/switched]}";
  private static final String SECRETS = "secrets are never written in the plan: name where it lives with ";

  /** minimal.yaml is nine lines long: what is appended starts at line 10. */
  private static String minimalPlus(String lines) {
    return Plans.resource("minimal.yaml") + lines;
  }

  private static void assertErrors(String yaml, String... expected) {
    assertEquals(List.of(expected), errors(yaml));
  }

  @Test
  void fiveMistakesGiveFiveErrors() {
    PlanException e = assertThrows(PlanException.class,
        () -> PlanParser.parse(Plans.resource("five-mistakes.yaml"), "five-mistakes.yaml"));

    assertEquals(List.of(
        new PlanError("five-mistakes.yaml", 7, "source.database.password", SECRETS
            + "passwordEnv (an environment variable) or passwordFile (a file)"),
        new PlanError("five-mistakes.yaml", 10, "target.database.user", "missing required key 'user'"),
        new PlanError("five-mistakes.yaml", 12, "settle.stableFr", "unknown key 'stableFr': did you mean 'stableFor'?"),
        new PlanError("five-mistakes.yaml", 13, "copy.jobs", "expected a whole number, found a list"),
        new PlanError("five-mistakes.yaml", 15, "health.interval", "'5 seconds' is not a duration: write a number"
            + " with a unit (ms, s, m, h, d), e.g. 60s or 1m30s, or ISO-8601 like PT1M")), e.errors());
  }

  @Test
  void unknownKeyWithoutNearMatchListsKnownKeys() {
    assertErrors(minimalPlus("copy: {parallel: 4}\n"),
        "plan.yaml:10: copy.parallel: unknown key 'parallel' (known keys: strategy, jobs, owner, replicaIdentityFull, rollbackWindow)");
  }

  @Test
  void unknownTopLevelKeyIsReportedAtItsOwnLine() {
    assertErrors(minimalPlus("confirm:\n  staleAfter: 1h\nhelth: {}\n"),
        "plan.yaml:12: helth: unknown key 'helth': did you mean 'health'?");
  }

  @Test
  void missingRequiredKeyPointsAtItsParent() {
    assertErrors(minimalWith("health: {url: \"http://127.0.0.1:8080/healthz\"}\n", ""),
        "plan.yaml:1: health: missing required key 'health'");
  }

  @Test
  void requiredKeyWithoutValueIsMissing() {
    assertErrors(minimalWith("  name: arm", "  name:"), "plan.yaml:6: target.name: missing required key 'name'");
  }

  @Test
  void wrongTypes() {
    assertErrors(minimalPlus("settle:\n  guards: {name: g, sql: select true}\n  stableFor: [1s]\n"
            + "health2: 1\n"),
        "plan.yaml:11: settle.guards: expected a list, found a mapping",
        "plan.yaml:12: settle.stableFor: expected a duration, e.g. 60s, found a list",
        "plan.yaml:13: health2: unknown key 'health2': did you mean 'health'?");
    assertErrors(minimalWith("  name: home", "  name: home\n  host: ssh"),
        "plan.yaml:4: source.host: expected a mapping, found a string");
    assertErrors(minimalWith("user: game}", "user: [game]}"),
        "plan.yaml:4: source.database.user: expected a string, found a list");
    assertErrors(minimalWith("healthz\"}", "healthz\", consecutive: \"3\"}"),
        "plan.yaml:9: health.consecutive: expected a whole number, found a string");
  }

  @Test
  void badEnumValueListsAllowedValues() {
    assertErrors(minimalPlus("copy: {strategy: rsync}\n"),
        "plan.yaml:10: copy.strategy: unknown value 'rsync' (allowed: dump-restore, logical)");
  }

  @Test
  void unknownFrontDoorTypeListsAllowedTypes() {
    assertErrors(minimalWith(COMMAND_DOOR, "frontDoor: {type: nginx, switch: [a], revert: [b]}"),
        "plan.yaml:8: frontDoor.type: unknown front-door type 'nginx' (allowed: cloudflare-tunnel, caddy, command)");
  }

  @Test
  void frontDoorWithoutType() {
    assertErrors(minimalWith(COMMAND_DOOR, "frontDoor:\n  switch: [a]"),
        "plan.yaml:8: frontDoor.type: missing required key 'type' (one of: cloudflare-tunnel, caddy, command)");
  }

  @Test
  void frontDoorKeysAreCheckedAgainstTheChosenType() {
    assertErrors(minimalWith(COMMAND_DOOR, "frontDoor: {type: command, swich: [a], revert: [b]}"),
        "plan.yaml:8: frontDoor.swich: unknown key 'swich': did you mean 'switch'?",
        "plan.yaml:8: frontDoor.switch: missing required key 'switch'");
  }

  @Test
  void badDuration() {
    assertErrors(minimalPlus("confirm: {staleAfter: 1 day}\n"),
        "plan.yaml:10: confirm.staleAfter: '1 day' is not a duration: write a number with a unit (ms, s, m, h, d),"
            + " e.g. 60s or 1m30s, or ISO-8601 like PT1M");
  }

  @Test
  void zeroDurationOnlyForStableFor() {
    assertErrors(minimalPlus("settle: {stableFor: 0s, pollEvery: 0ms}\n"),
        "plan.yaml:10: settle.pollEvery: must be longer than zero");
  }

  @Test
  void badUrls() {
    assertErrors(minimalWith("http://127.0.0.1:8080/healthz", "ftp://127.0.0.1/healthz"),
        "plan.yaml:9: health.url: expected an http or https URL with a host, e.g. https://game.example.com/healthz;"
            + " got 'ftp://127.0.0.1/healthz'");
    assertErrors(minimalWith("http://127.0.0.1:8080/healthz", "http://exa mple.com/"),
        "plan.yaml:9: health.url: expected an http or https URL with a host, e.g. https://game.example.com/healthz;"
            + " got 'http://exa mple.com/'");
  }

  @Test
  void databaseUrlMustBeJdbcPostgres() {
    assertErrors(minimalWith("jdbc:postgresql://127.0.0.1:5432/game", "postgres://127.0.0.1:5432/game"),
        "plan.yaml:4: source.database.url: expected a JDBC URL jdbc:postgresql://host[:port]/dbname[?params];"
            + " got 'postgres://127.0.0.1:5432/game'");
    assertErrors(minimalWith("jdbc:postgresql://127.0.0.1:5432/game", "jdbc:postgresql://127.0.0.1:5432/"),
        "plan.yaml:4: source.database.url: expected a JDBC URL jdbc:postgresql://host[:port]/dbname[?params];"
            + " got 'jdbc:postgresql://127.0.0.1:5432/'");
  }

  @Test
  void databaseUrlMustNotCarryAPassword() {
    String message = "the URL carries a password; " + SECRETS
        + "passwordEnv (an environment variable) or passwordFile (a file)";
    assertErrors(minimalWith("127.0.0.1:5432/game", "127.0.0.1:5432/game?user=game&password=hunter2"),
        "plan.yaml:4: source.database.url: " + message);
    assertErrors(minimalWith("127.0.0.1:5432/game", "game:hunter2@127.0.0.1:5432/game"),
        "plan.yaml:4: source.database.url: " + message);
  }

  @Test
  void duplicateKey() {
    assertErrors(minimalPlus("app: other\n"), "plan.yaml:10: app: duplicate key 'app' (first at line 1)");
  }

  @Test
  void inlinePasswordNamesWhereToPutIt() {
    assertErrors(minimalWith("user: game}", "user: game, password: hunter2}"),
        "plan.yaml:4: source.database.password: " + SECRETS
            + "passwordEnv (an environment variable) or passwordFile (a file)");
  }

  @Test
  void inlineTokenUnderFrontDoorNamesTokenEnv() {
    assertErrors(minimalWith(COMMAND_DOOR, "frontDoor:\n  type: cloudflare-tunnel\n  accountId: a\n  tunnelId: t\n"
            + "  hostname: game.example.com\n  sourceService: http://localhost:8080\n"
            + "  targetService: http://10.0.0.9:8080\n  api_token: abc"),
        "plan.yaml:8: frontDoor.tokenEnv: the token is required: name where it lives with tokenEnv"
            + " (an environment variable) or tokenFile (a file)",
        "plan.yaml:15: frontDoor.api_token: " + SECRETS + "tokenEnv (an environment variable) or tokenFile (a file)");
  }

  @Test
  void inlineSecretWhereNoReferenceExists() {
    assertErrors(minimalWith(COMMAND_DOOR, COMMAND_DOOR.replace("}", ", secret: s}")),
        "plan.yaml:8: frontDoor.secret: secrets are never written in the plan: the worker reads them from its"
            + " environment or from a file on its box");
  }

  @Test
  void appNameMustBeASlug() {
    assertErrors(minimalWith("app: game", "app: My_Game"),
        "plan.yaml:1: app: 'My_Game' is not a valid app name: use 1 to 63 lowercase letters, digits and '-',"
            + " starting with a letter or digit (it names the workflow cutover-<app>)");
  }

  @Test
  void anAppNameCannotTakeAFleetsWorkflowId() {
    assertErrors(minimalWith("app: game", "app: fleet-game"),
        "plan.yaml:1: app: 'fleet-game' is not a valid app name: names starting with 'fleet-' are kept for fleets"
            + " (the fleet NAME runs as the workflow cutover-fleet-NAME)");
  }

  @Test
  void aRollbackWindowNeedsLogicalAndABoundedLength() throws Exception {
    assertErrors(minimalPlus("copy:\n  rollbackWindow: 24h\n"),
        "plan.yaml:11: copy.rollbackWindow: a rollback window keeps the old box current by logical replication from"
            + " the new one: it needs copy.strategy: logical");
    assertErrors(minimalPlus("copy: {strategy: logical, rollbackWindow: 31d}\n"),
        "plan.yaml:10: copy.rollbackWindow: from 1m to 720h: the reverse stream's slot keeps the new box's WAL for as"
            + " long as the window lasts");
    assertEquals(java.time.Duration.ofHours(24), PlanParser.parse(minimalPlus(
        "copy: {strategy: logical, replicaIdentityFull: true, rollbackWindow: 24h}\n"), "plan.yaml")
        .copy().rollbackWindow());
  }

  @Test
  void anAppNameCannotTakeAFallbackWatchersWorkflowId() {
    assertErrors(minimalWith("app: game", "app: fallback-game"),
        "plan.yaml:1: app: 'fallback-game' is not a valid app name: names starting with 'fallback-' are kept for the"
            + " watchers of kept fallbacks (app NAME's runs as the workflow cutover-fallback-NAME)");
  }

  @Test
  void sourceAndTargetMustBeDifferentBoxes() {
    assertErrors(minimalWith("  name: arm", "  name: home"),
        "plan.yaml:6: target.name: the target must be another box than the source: both are named 'home'");
  }

  @Test
  void sshNeedsTargetAndWorkerNeedsTaskQueue() {
    assertErrors(minimalWith("  name: home", "  name: home\n  host: {exec: ssh}", "  name: arm",
            "  name: arm\n  host:\n    exec: worker"),
        "plan.yaml:4: source.host.target: required when exec is ssh",
        "plan.yaml:8: target.host.taskQueue: required when exec is worker");
  }

  @Test
  void copyJobsBetweenOneAndSixtyFour() {
    assertErrors(minimalPlus("copy: {jobs: 0}\n"), "plan.yaml:10: copy.jobs: must be between 1 and 64");
    assertErrors(minimalPlus("copy: {jobs: 65}\n"), "plan.yaml:10: copy.jobs: must be between 1 and 64");
  }

  @Test
  void consecutiveAtLeastOne() {
    assertErrors(minimalWith("healthz\"}", "healthz\", consecutive: 0}"),
        "plan.yaml:9: health.consecutive: must be at least 1");
  }

  @Test
  void passwordEnvAndPasswordFileNotBoth() {
    assertErrors(minimalWith("user: game}", "user: game, passwordEnv: PG, passwordFile: /etc/pg}"),
        "plan.yaml:4: source.database.passwordFile: give passwordEnv or passwordFile, not both");
  }

  @Test
  void cloudflareTunnelNeedsAToken() {
    assertErrors(minimalWith(COMMAND_DOOR,
            "frontDoor: {type: cloudflare-tunnel, accountId: a, tunnelId: t, hostname: h, sourceService: s,"
                + " targetService: t}"),
        "plan.yaml:8: frontDoor.tokenEnv: the token is required: name where it lives with tokenEnv"
            + " (an environment variable) or tokenFile (a file)");
  }

  @Test
  void cloudflareIngressModeIsTheDefaultAndNeedsBothServices() {
    assertErrors(minimalWith(COMMAND_DOOR,
            "frontDoor: {type: cloudflare-tunnel, accountId: a, hostname: game.example.com, tokenEnv: CF}"),
        "plan.yaml:8: frontDoor.tunnelId: required when mode is ingress",
        "plan.yaml:8: frontDoor.sourceService: required when mode is ingress",
        "plan.yaml:8: frontDoor.targetService: required when mode is ingress");
  }

  @Test
  void cloudflareDnsModeNeedsZoneAndBothTunnelsAndRefusesIngressKeys() {
    assertErrors(minimalWith(COMMAND_DOOR,
            "frontDoor: {type: cloudflare-tunnel, mode: dns, accountId: a, hostname: game.example.com,"
                + " tokenEnv: CF, targetService: x, sourceTunnelId: t1}"),
        "plan.yaml:8: frontDoor.targetService: only used when mode is ingress; this front door has mode dns",
        "plan.yaml:8: frontDoor.zoneId: required when mode is dns",
        "plan.yaml:8: frontDoor.targetTunnelId: required when mode is dns");
  }

  @Test
  void cloudflareSourceAndTargetMustDiffer() {
    assertErrors(minimalWith(COMMAND_DOOR,
            "frontDoor: {type: cloudflare-tunnel, mode: dns, accountId: a, hostname: game.example.com,"
                + " tokenFile: /etc/cf, zoneId: z, sourceTunnelId: t1, targetTunnelId: t1}"),
        "plan.yaml:8: frontDoor.targetTunnelId: sourceTunnelId and targetTunnelId are the same: the switch would"
            + " move nothing");
  }

  @Test
  void cloudflareHostnameMustBeAHostname() {
    assertErrors(minimalWith(COMMAND_DOOR,
            "frontDoor: {type: cloudflare-tunnel, mode: dns, accountId: a, hostname: \"game.example.com/x\","
                + " tokenEnv: CF, zoneId: z, sourceTunnelId: t1, targetTunnelId: t2}"),
        "plan.yaml:8: frontDoor.hostname: expected a hostname, e.g. game.example.com; got 'game.example.com/x'");
  }

  @Test
  void caddyNeedsRouteIdAndAHostPortUpstream() {
    assertErrors(minimalWith(COMMAND_DOOR,
            "frontDoor: {type: caddy, adminUrl: \"http://127.0.0.1:2019\", targetUpstream: \"http://10.0.0.9\"}"),
        "plan.yaml:8: frontDoor.targetUpstream: expected host:port, e.g. 10.0.0.9:8080; got 'http://10.0.0.9'",
        "plan.yaml:8: frontDoor.routeId: missing required key 'routeId'");
  }

  @Test
  void caddySourceUpstreamIsAHostPortToo() {
    assertErrors(minimalWith(COMMAND_DOOR,
            "frontDoor: {type: caddy, adminUrl: \"http://127.0.0.1:2019\", routeId: game, targetUpstream:"
                + " \"10.0.0.9:8080\", sourceUpstream: \"home:\"}"),
        "plan.yaml:8: frontDoor.sourceUpstream: expected host:port, e.g. 10.0.0.8:8080; got 'home:'");
  }

  @Test
  void verifyTablesIsAllOrAListOfNames() {
    assertErrors(minimalPlus("verify: {tables: some}\n"),
        "plan.yaml:10: verify.tables: expected 'all' or a list of table names, found a string");
    assertErrors(minimalPlus("verify: {tables: []}\n"),
        "plan.yaml:10: verify.tables: an empty list of tables: write 'all' to fingerprint every table");
    assertErrors(minimalPlus("verify:\n  tables:\n    - trades\n    - {name: profiles}\n"),
        "plan.yaml:13: verify.tables[1]: expected a string, found a mapping");
  }

  @Test
  void writerAndJobNamesUniqueOnABox() {
    assertErrors(minimalWith("  name: home", "  name: home\n  writers: [{name: nightly}]\n  jobs:\n"
            + "    - {name: scoring}\n    - {name: nightly}"),
        "plan.yaml:7: source.jobs[1].name: the name 'nightly' is already used by source.writers[0].name:"
            + " names must be unique on a box");
  }

  @Test
  void commandListsAreNonEmptyArgumentLists() {
    assertErrors(minimalWith("switch: [touch, /tmp/switched]", "switch: []"),
        "plan.yaml:8: frontDoor.switch: an empty command: leave the key out when there is nothing to run");
    assertErrors(minimalWith("  name: home", "  name: home\n  app: {stop: [systemctl stop game]}"),
        "plan.yaml:4: source.app.stop: give the command as an argument list, e.g. [systemctl, stop, game]:"
            + " cutover never runs a shell");
    assertErrors(minimalWith("  name: home", "  name: home\n  app: {stop: systemctl stop game}"),
        "plan.yaml:4: source.app.stop: expected a list, found a string");
    assertErrors(minimalWith("revert: [rm, -f, /tmp/switched]", "revert: [rm, [-f]]"),
        "plan.yaml:8: frontDoor.revert[1]: expected a string, found a list");
  }

  @Test
  void emptyFile() {
    assertErrors("", "plan.yaml:1: the plan is empty");
    assertErrors("# only a comment\n", "plan.yaml:1: the plan is empty");
    assertErrors("---\n", "plan.yaml:1: the plan is empty");
  }

  @Test
  void topLevelMustBeAMapping() {
    assertErrors("- app: game\n",
        "plan.yaml:1: expected a mapping of keys (app, source, target, ...) at the top of the plan, found a list");
  }

  @Test
  void yamlSyntaxError() {
    assertErrors("app: game\nsource:\n  name: home\n   database: {\n",
        "plan.yaml:4: not valid YAML: mapping values are not allowed here");
  }

  @Test
  void tabIndentationIsNamed() {
    assertErrors("app: game\nsource:\n\tname: home\n", "plan.yaml:2: not valid YAML: found character"
        + " '\\t(TAB)' that cannot start any token. (Do not use \\t(TAB) for indentation)");
  }

  @Test
  void aliasesAreRefusedOnce() {
    assertErrors(minimalWith("  name: arm", "  name: &box arm", "frontDoor:", "copy: *box\nfrontDoor:"),
        "plan.yaml:8: copy: anchors and aliases (*box) are not supported: write the value out");
  }

  @Test
  void aDatabaseDoorIsCheckedKeyByKey() {
    assertErrors(minimalPlus(String.join("\n",
            "databaseDoor:",
            "  admin: {url: \"jdbc:postgresql://10.0.0.5:6432/game\", user: pgbouncer, password: hunter2}",
            "  entry: \"game db\"",
            "  configFile: etc/pgbouncer.ini",
            "  pauseTimeout: 10m",
            "")),
        "plan.yaml:11: databaseDoor.admin.password: " + SECRETS + "passwordEnv (an environment variable) or"
            + " passwordFile (a file)",
        "plan.yaml:11: databaseDoor.admin.url: the admin console is the database named pgbouncer, e.g."
            + " jdbc:postgresql://10.0.0.5:6432/pgbouncer; got 'jdbc:postgresql://10.0.0.5:6432/game'",
        "plan.yaml:12: databaseDoor.entry: expected a PgBouncer database name: letters, digits, '_', '.' and '-';"
            + " got 'game db'",
        "plan.yaml:13: databaseDoor.configFile: expected an absolute path to the PgBouncer file holding the entry;"
            + " got 'etc/pgbouncer.ini'",
        "plan.yaml:14: databaseDoor.pauseTimeout: at most 5m: clients are held for the whole PAUSE");

  }

  @Test
  void aBlackoutBudgetIsBetweenASecondAndAnHour() {
    assertErrors(minimalPlus("freeze: {maxBlackout: 500ms}\n"),
        "plan.yaml:10: freeze.maxBlackout: from 1s to 1h: a freeze cannot be shorter than its steps, and an hour"
            + " without writes is not a blackout of seconds");
  }

  @Test
  void aDatabaseDoorNeedsItsEntryAndFile() {
    assertErrors(minimalPlus("databaseDoor: {admin: {url: \"jdbc:postgresql://10.0.0.5:6432/pgbouncer\", user: pgbouncer,"
            + " passwordEnv: PGBOUNCER_PASSWORD}}\n"),
        "plan.yaml:10: databaseDoor.entry: missing required key 'entry'",
        "plan.yaml:10: databaseDoor.configFile: missing required key 'configFile'");
  }
}
