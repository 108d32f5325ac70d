package dev.cutover.preflight;

import dev.cutover.database.CopyActivities;
import dev.cutover.database.CopyActivities.LogicalIssue;
import dev.cutover.database.CopyActivities.LogicalReadiness;
import dev.cutover.database.CopyActivities.LogicalRequest;
import dev.cutover.database.DatabaseActivities;
import dev.cutover.database.DatabaseActivities.DatabaseInfo;
import dev.cutover.database.MoveJournal;
import dev.cutover.database.DatabaseActivities.ExtensionCheck;
import dev.cutover.database.DatabaseActivities.ExtensionRequest;
import dev.cutover.database.DatabaseActivities.InspectRequest;
import dev.cutover.database.Markers;
import dev.cutover.frontdoor.DatabaseDoorActivities;
import dev.cutover.frontdoor.DatabaseDoorActivities.DoorCheck;
import dev.cutover.frontdoor.DatabaseDoorActivities.DoorRequest;
import dev.cutover.frontdoor.FrontDoorActivities;
import dev.cutover.frontdoor.FrontDoorActivities.FrontDoorRequest;
import dev.cutover.frontdoor.FrontDoorActivities.Side;
import dev.cutover.hosts.HostActivities;
import dev.cutover.hosts.HostActivities.ArchRequest;
import dev.cutover.hosts.HostActivities.CommandRequest;
import dev.cutover.hosts.HostActivities.ConfigKeys;
import dev.cutover.hosts.HostActivities.ConfigKeysRequest;
import dev.cutover.hosts.HostActivities.DiskRequest;
import dev.cutover.hosts.HostActivities.MigrationsRequest;
import dev.cutover.plan.Box;
import dev.cutover.plan.Copy;
import dev.cutover.plan.FrontDoor;
import dev.cutover.plan.Host;
import dev.cutover.plan.Plan;
import dev.cutover.plan.Service;
import dev.cutover.temporal.Failures;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Phase 1: everything that can be known before anything changes, reported all at once. Each check adds
 * findings; one that cannot even run becomes a blocking finding with its reason, never a thrown error,
 * so the operator sees every problem in one pass. Workflow code: it only schedules activities.
 */
public final class Preflight {

  /**
   * The activity stubs preflight reads through; {@code probe} gives one for a box's own worker queue;
   * {@code databaseDoor} is null when the move has no database door to check.
   */
  public record Stubs(DatabaseActivities database, CopyActivities copies, HostActivities sourceHost,
      HostActivities targetHost, FrontDoorActivities frontDoor, DatabaseDoorActivities databaseDoor,
      Function<String, HostActivities> probe) {}

  private final Plan plan;
  private final Journal steps;
  private final Stubs stubs;
  private final Limits limits;
  private final List<Finding> findings;
  /** Set when this move copies by logical replication. */
  private final LogicalRequest logicalRequest;

  /** The limits each host inspection and a worker's probe are given in their requests. */
  public record Limits(Duration inspection, Duration probe) {}

  public Preflight(Plan plan, Journal steps, Stubs stubs, Limits limits, List<Finding> findings,
      LogicalRequest logicalRequest) {
    this.plan = plan;
    this.steps = steps;
    this.stubs = stubs;
    this.limits = limits;
    this.findings = findings;
    this.logicalRequest = logicalRequest;
  }

  /** True when nothing blocks. */
  public boolean run() {
    startAhead();
    boolean clear = inspect();
    for (Box box : List.of(plan.source(), plan.target())) {
      if (box.host().exec() == Host.Exec.WORKER && !workerPolls(box)) {
        clear = false;
      }
    }
    return clear;
  }

  /**
   * An app that boots read-only is started before the freeze only by a logical move: a dump-restore
   * replaces the target database inside the freeze. Said here, so the estimate at the gate is not a surprise.
   */
  private void startAhead() {
    Service app = plan.target().app();
    if (!app.bootsReadOnly()) {
      return;
    }
    if (app.start().isEmpty()) {
      findings.add(Finding.warning("target app", "target.app.bootsReadOnly is set but target.app has no start"
          + " command, so there is nothing to start ahead", "add target.app.start, or remove bootsReadOnly"));
    } else if (plan.frontDoor() instanceof FrontDoor.Caddy) {
      findings.add(Finding.warning("target app", "target.app.bootsReadOnly: behind the caddy front door the"
          + " target's app starts in the switch, inside the blackout: Caddy holds requests by waiting for the"
          + " target to accept connections, so its app must not listen before the switch",
          "use a cloudflare-tunnel or command front door to start the app before the freeze"));
    } else if (plan.copy().strategy() != Copy.Strategy.LOGICAL) {
      findings.add(Finding.warning("target app", "target.app.bootsReadOnly: with copy.strategy dump-restore the"
          + " target's app starts in the switch, inside the blackout: the restore replaces its database inside"
          + " the freeze", "use copy.strategy: logical to start the app before the freeze"));
    } else {
      findings.add(Finding.ok("target app", "the target's app starts before the freeze, against its fenced"
          + " database (bootsReadOnly), so its boot is not part of the blackout"));
    }
  }

  /** A box whose commands run on its own worker needs that worker polling its queue right now. */
  private boolean workerPolls(Box box) {
    String queue = box.host().taskQueue();
    HostActivities probe = stubs.probe().apply(queue);
    try {
      steps.step("check a worker polls " + queue,
          () -> probe.run(new CommandRequest(box.name(), box.host(), "probe", List.of("true"), limits.probe())),
          r -> "answered in " + r.millis() + " ms");
      findings.add(Finding.ok("worker " + box.name(), "a worker polls task queue " + queue));
      return true;
    } catch (TemporalFailure e) {
      findings.add(Finding.blocking("worker " + box.name(), "no worker answered on task queue " + queue
          + " (" + Failures.reason(e) + ")", "start `cutover worker` on " + box.name() + " with CUTOVER_HOST_QUEUE=" + queue));
      return false;
    }
  }

  private boolean inspect() {
    Box source = plan.source();
    Box target = plan.target();
    String inspectSource = "inspect source database";
    String inspectTarget = "inspect target database";
    Promise<DatabaseInfo> sourceInfo = steps.scheduleFor(inspectSource,
        () -> Async.function(stubs.database()::inspect, new InspectRequest(source.name(), source.database())));
    Promise<DatabaseInfo> targetInfo = steps.scheduleFor(inspectTarget,
        () -> Async.function(stubs.database()::inspect, new InspectRequest(target.name(), target.database())));
    DatabaseInfo s = steps.step(inspectSource, sourceInfo::get, DatabaseInfo::summary);
    DatabaseInfo t = steps.step(inspectTarget, targetInfo::get, DatabaseInfo::summary);
    sourceDatabaseUsable(s);
    targetDatabaseOursOrNew(t);
    noUnfinishedMove(s);
    noUnfinishedMove(t);
    if (logicalRequest != null && s.reachable() && s.exists() && t.reachable()) {
      sourceReadyForLogical();
    }
    if (s.reachable() && t.reachable() && s.serverVersionNum() != null && t.serverVersionNum() != null) {
      targetVersionNotOlder(s, t);
    }
    if (s.reachable() && s.exists() && t.reachable()) {
      extensionsInstallableOnTarget();
    }
    configKeysAgree();
    for (Box box : List.of(source, target)) {
      if (box.artifact() != null) {
        inspection("CPU architecture of " + box.name(), "artifact", () -> PreflightFindings.architecture(
            host(box).architecture(new ArchRequest(box.name(), box.host(), box.artifact(), limits.inspection()))));
      }
      if (box.migrations() != null) {
        inspection("pending migrations on " + box.name(), "migrations", () -> PreflightFindings.migrations(
            host(box).pendingMigrations(new MigrationsRequest(
                box.name(), box.host(), box.migrations().pendingCommand(), limits.inspection()))));
      }
    }
    if (target.disk() != null && s.sizeBytes() != null) {
      inspection("free disk on " + target.name(), "disk", () -> PreflightFindings.disk(stubs.targetHost().diskRoom(
          new DiskRequest(target.name(), target.host(), target.disk().path(), s.sizeBytes(), limits.inspection()))));
    }
    inspection("front door (" + plan.frontDoor().type() + ")", "front door", () -> Finding.ok("front door",
        stubs.frontDoor().check(new FrontDoorRequest(plan.app(), plan.frontDoor(), Side.TARGET)).detail()));
    if (stubs.databaseDoor() != null) {
      databaseDoor();
    }
    return findings.stream().noneMatch(f -> f.severity() == Finding.Severity.BLOCKING);
  }

  /** Runs one inspection as a step; if it cannot run at all, that itself blocks, with the reason. */
  private void inspection(String name, String check, Supplier<Finding> inspection) {
    try {
      findings.add(steps.step("check " + name, inspection, Finding::message));
    } catch (TemporalFailure e) {
      findings.add(Finding.blocking(check, Failures.reason(e), "fix the plan's " + check + " settings or the box"));
    }
  }

  /** The door's console answers, its entry leads to the source, and its pool mode can hold clients. */
  private void databaseDoor() {
    Box source = plan.source();
    Box target = plan.target();
    try {
      DoorCheck check = steps.step("check database door (PgBouncer)",
          () -> stubs.databaseDoor().check(new DoorRequest(plan.app(), plan.databaseDoor(), source.name(),
              source.database(), target.name(), target.database())),
          DoorCheck::detail);
      findings.addAll(PreflightFindings.databaseDoor(check, source.name()));
    } catch (TemporalFailure e) {
      findings.add(Finding.blocking("database door", Failures.reason(e),
          "check databaseDoor: the admin console's address, user and password, the entry and its file"));
    }
  }

  /** Every extension the source uses must be installable on the target server at the same version. */
  private void extensionsInstallableOnTarget() {
    Box source = plan.source();
    Box target = plan.target();
    try {
      ExtensionCheck check = steps.step("check extensions",
          () -> stubs.database().checkExtensions(new ExtensionRequest(source.name(), source.database(), target.name(),
              target.database())),
          r -> r.used().size() + " used, " + r.missing().size() + " missing on " + target.name());
      for (String missing : check.missing()) {
        findings.add(Finding.blocking("extensions", "the source uses extension " + missing + ", which "
            + target.name() + "'s PostgreSQL cannot install", "install that extension's package on " + target.name()));
      }
      for (String other : check.otherVersion()) {
        // pg_dump names no version, so the restore installs the target's default, and the proof compares versions.
        findings.add(Finding.blocking("extensions", "extension " + other + " by default, which the restore would"
            + " take: the moved database would differ from the source and the verify gate would roll the move back",
            "ALTER EXTENSION ... UPDATE on the source to the target's version before the move"));
      }
      if (check.missing().isEmpty() && check.otherVersion().isEmpty()) {
        findings.add(Finding.ok("extensions", check.used().isEmpty() ? "none used"
            : "all available on " + target.name() + ": " + String.join(", ", check.used())));
      }
    } catch (TemporalFailure e) {
      findings.add(Finding.blocking("extensions", Failures.reason(e), "check both databases are reachable"));
    }
  }

  /**
   * Key names and salted value hashes from both boxes; the salt is one random value per move, the
   * same for both sides, so equal values compare equal without ever being stored.
   */
  private void configKeysAgree() {
    Box source = plan.source();
    Box target = plan.target();
    if (source.config() == null && target.config() == null) {
      return;
    }
    if (source.config() == null || target.config() == null) {
      findings.add(Finding.warning("config", "only one box names its config file, so nothing was compared",
          "give both source.config.file and target.config.file"));
      return;
    }
    String salt = Workflow.randomUUID().toString();
    try {
      ConfigKeys s = steps.step("read config keys on " + source.name(),
          () -> stubs.sourceHost().configKeys(new ConfigKeysRequest(source.name(), source.host(), source.config().file(), salt,
              limits.inspection())), k -> k.valueHashes().size() + " keys");
      ConfigKeys t = steps.step("read config keys on " + target.name(),
          () -> stubs.targetHost().configKeys(new ConfigKeysRequest(target.name(), target.host(), target.config().file(), salt,
              limits.inspection())), k -> k.valueHashes().size() + " keys");
      findings.addAll(ConfigComparison.findings(s, t));
    } catch (TemporalFailure e) {
      findings.add(Finding.blocking("config", Failures.reason(e), "check config.file on both boxes"));
    }
  }

  /** Logical replication needs the source configured for it; every problem becomes a finding with its fix. */
  private void sourceReadyForLogical() {
    try {
      LogicalReadiness readiness = steps.step("check logical replication readiness",
          () -> stubs.copies().checkLogical(logicalRequest),
          LogicalReadiness::summary);
      for (LogicalIssue issue : readiness.issues()) {
        findings.add(issue.blocking() ? Finding.blocking(issue.check(), issue.problem(), issue.fix())
            : Finding.warning(issue.check(), issue.problem(), issue.fix()));
      }
      if (readiness.issues().isEmpty()) {
        findings.add(Finding.ok("logical replication", "the source is ready (wal_level " + readiness.walLevel() + ")"));
      }
    } catch (TemporalFailure e) {
      findings.add(Finding.blocking("logical replication", Failures.reason(e), "check both databases are reachable"));
    }
  }


  /**
   * A journal another run wrote means a move that never ended, whose history may be lost: its fence, its
   * stopped services and its target are still as it left them. Nothing may start over them.
   */
  private void noUnfinishedMove(DatabaseInfo info) {
    MoveJournal journal = info.journal();
    if (journal == null || Workflow.getInfo().getRunId().equals(journal.run())) {
      return;
    }
    findings.add(Finding.blocking("unfinished move", "the journal on " + info.box() + " records the "
        + journal.summary() + ", which never ended (its Temporal history may be lost)",
        "run `cutover recover PLAN` first: it finishes or rolls back that move, from the databases alone"));
  }

  private void sourceDatabaseUsable(DatabaseInfo s) {
    if (!s.reachable()) {
      findings.add(Finding.blocking("source database", "cannot connect to " + s.box() + ": " + s.error(),
          "check source.database (url, user, password variable on the worker)"));
    } else if (!s.exists()) {
      findings.add(Finding.blocking("source database", "the source database does not exist", "check source.database.url"));
    } else {
      findings.add(Finding.ok("source database", s.serverVersion() + ", " + s.userTables() + " tables"));
      if (s.fenced()) {
        findings.add(Finding.warning("source database", "the source is fenced read-only by an earlier move",
            "if that move ended, the source is its fallback: make sure this is the box to move from"));
      }
    }
  }

  private void targetDatabaseOursOrNew(DatabaseInfo t) {
    if (!t.reachable()) {
      findings.add(Finding.blocking("target database", "cannot connect to " + t.box() + ": " + t.error(),
          "check target.database (url, user, password variable on the worker)"));
    } else if (!t.exists()) {
      findings.add(Finding.ok("target database", "does not exist yet; the move will create it"));
    } else if (plan.app().equals(t.fencedBy())) {
      findings.add(Finding.ok("target database", "the fallback an earlier move of " + plan.app()
          + " left fenced; the final copy replaces it"));
    } else if (!Markers.isOurs(t.marker(), plan.app()) && plan.target().overwrite()) {
      findings.add(Finding.warning("target database",
          "target.overwrite is set: the existing target database (" + t.userTables() + " tables, " + t.sizeBytes()
              + " bytes) was not created by cutover and will be replaced; what it holds is lost",
          "remove target.overwrite from the plan to keep it"));
    } else if (!Markers.isOurs(t.marker(), plan.app())) {
      findings.add(Finding.blocking("target database",
          "the target database exists and was not created by a cutover move of " + plan.app()
              + " (" + t.userTables() + " tables); cutover never overwrites it",
          "drop it yourself if it holds nothing you need, point target.database.url at a new name, or set"
              + " target.overwrite: true to have it replaced"));
    } else if (Markers.isLive(t.marker())) {
      findings.add(Finding.blocking("target database",
          "the target database is live: a completed move of " + plan.app() + " serves from it",
          "nothing to do, or move in the other direction"));
    } else {
      findings.add(Finding.ok("target database", "left by an earlier attempt of this app; will be recreated"));
    }
  }

  private void targetVersionNotOlder(DatabaseInfo s, DatabaseInfo t) {
    if (t.serverVersionNum() / 10000 < s.serverVersionNum() / 10000) {
      findings.add(Finding.blocking("server versions",
          "target runs PostgreSQL " + t.serverVersion() + ", older than the source's " + s.serverVersion(),
          "upgrade the target's PostgreSQL to at least the source's major version"));
    } else {
      findings.add(Finding.ok("server versions", s.serverVersion() + " -> " + t.serverVersion()));
    }
  }

  private HostActivities host(Box box) {
    return box == plan.source() ? stubs.sourceHost() : stubs.targetHost();
  }
}
