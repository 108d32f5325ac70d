package dev.cutover.preflight;

import dev.cutover.frontdoor.DatabaseDoorActivities.DoorCheck;
import dev.cutover.hosts.HostActivities.ArchResult;
import dev.cutover.hosts.HostActivities.DiskResult;
import dev.cutover.hosts.HostActivities.MigrationsResult;
import dev.cutover.preflight.ScheduleActivities.NextJobDue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns the host inspections' results into preflight findings. Deterministic, so the workflow calls it
 * directly; the wording lives here, next to the records it reads, and is tested without a workflow.
 */
public final class PreflightFindings {

  /**
   * Room a restore needs beyond the source's size: indexes are rebuilt and WAL is written while it runs.
   * A rule of thumb, not a measurement: a quarter more.
   */
  public static final double HEADROOM = 1.25;

  private PreflightFindings() {}

  public static long neededBytes(long sourceDatabaseBytes) {
    return (long) Math.ceil(sourceDatabaseBytes * HEADROOM);
  }

  /**
   * The database door's findings: an entry that leads anywhere but the source blocks (the move would hold
   * and repoint clients that are not the source's); a pool mode that cannot hold clients across servers,
   * an entry left paused and a short query_wait_timeout are said out loud.
   */
  public static List<Finding> databaseDoor(DoorCheck c, String source) {
    String check = "database door";
    List<Finding> findings = new ArrayList<>();
    if (!c.pointsAtRequested()) {
      findings.add(Finding.blocking(check, "PgBouncer's entry leads to " + c.state().address() + ", not to "
          + source + "'s database", "point the entry at " + source + " (its [databases] line, then RELOAD) or fix"
          + " source.database.url"));
    }
    if (c.state().paused()) {
      findings.add(Finding.warning(check, "the entry is paused now: its clients are waiting already",
          "RESUME it on the admin console if no other tool paused it on purpose"));
    }
    String mode = c.poolMode() == null ? "" : c.poolMode().toLowerCase(Locale.ROOT);
    if (mode.equals("session")) {
      findings.add(Finding.warning(check, "pool_mode is session: PAUSE waits until every client disconnects, and"
          + " an open session cannot be carried from one server to another, so the hold will time out"
          + " (databaseDoor.pauseTimeout) and the move stop, unless the clients disconnect by themselves",
          "use pool_mode = transaction for this entry (or statement), or stop those clients in the plan as writers"));
    } else if (findings.isEmpty()) {
      findings.add(Finding.ok(check, c.detail()));
    }
    if (c.queryWaitTimeoutSeconds() > 0 && c.queryWaitTimeoutSeconds() < 30) {
      findings.add(Finding.warning(check, "query_wait_timeout is " + c.queryWaitTimeoutSeconds() + " s: a held"
          + " client fails after that long, and the blackout may be longer", "raise query_wait_timeout in PgBouncer"));
    }
    return findings;
  }

  public static Finding architecture(ArchResult r) {
    String check = "architecture " + r.box();
    if (r.boxArch() == null || r.artifactArch() == null) {
      return Finding.warning(check, "cannot tell whether " + r.artifact() + " runs on " + r.box() + ": the box reports '"
              + r.boxArchRaw() + "' and " + r.artifactSource() + " says '" + r.artifactArchRaw() + "'",
          "check by hand, or name the artifact's arch in the plan (artifact.arch)");
    }
    if (!r.matches()) {
      return Finding.blocking(check, r.artifact() + " is built for " + r.artifactArch() + " (" + r.artifactSource()
              + ") but " + r.box() + " is " + r.boxArch() + " (" + r.boxArchRaw() + ")",
          "rebuild " + r.artifact() + " for " + r.boxArch() + " and deploy it on " + r.box());
    }
    return Finding.ok(check, r.artifact() + " is " + r.artifactArch() + ", like " + r.box());
  }

  public static Finding disk(DiskResult r) {
    String check = "disk " + r.box();
    String room = gib(r.freeBytes()) + " free at " + r.checkedPath() + ", " + gib(r.neededBytes())
        + " needed (the source database and " + Math.round((HEADROOM - 1) * 100) + "% headroom)";
    return r.enough() ? Finding.ok(check, room)
        : Finding.blocking(check, "too little disk on " + r.box() + ": " + room,
            "free " + gib(r.neededBytes() - r.freeBytes()) + " at " + r.checkedPath() + " or give disk.path"
                + " a larger volume");
  }

  public static Finding migrations(MigrationsResult r) {
    String check = "migrations " + r.box();
    if (!r.pending()) {
      return Finding.ok(check, "no migrations waiting");
    }
    return Finding.blocking(check, "migrations are waiting on " + r.box()
            + (r.exitCode() == 0 ? "" : " (the check exited " + r.exitCode() + ")")
            + (r.outputTail().isEmpty() ? "" : ": " + r.outputTail()),
        "run the migrations (or fix the check) before the move: the move copies the schema as it is");
  }

  /**
   * {@code blackoutEnds} is when the blackout would end if the move froze now: now plus the estimate. A job
   * due before then would run against a frozen source or a target that is not live yet.
   */
  public static Finding nextJob(NextJobDue due, Instant blackoutEnds) {
    String check = "next job " + due.box();
    if (due.dueAt() == null) {
      return Finding.ok(check, "no job due");
    }
    if (due.dueAt().isBefore(blackoutEnds)) {
      return Finding.warning(check, "the next job is due at " + due.dueAt() + ", before the blackout would end ("
              + blackoutEnds + ")",
          "confirm after " + due.dueAt() + " has passed and its job has finished, or move the job");
    }
    return Finding.ok(check, "the next job is due at " + due.dueAt() + ", "
        + Duration.between(blackoutEnds, due.dueAt()).toMinutes() + " min after the blackout would end");
  }

  private static String gib(long bytes) {
    return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
  }
}
