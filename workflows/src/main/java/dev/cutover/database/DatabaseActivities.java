package dev.cutover.database;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.cutover.plan.Database;
import dev.cutover.plan.Settle;
import io.temporal.activity.ActivityInterface;
import java.util.List;

/**
 * The move's control of a PostgreSQL database: what it is, the target's life (created, claimed, dropped,
 * marked live), the fence, and the guards and extensions checked before anything moves. Every method is
 * idempotent: fencing a fenced database or dropping a dropped one ends in the same state.
 */
@ActivityInterface
public interface DatabaseActivities {

  /** Connects and describes the database; an unreachable one is reported, not thrown. */
  DatabaseInfo inspect(InspectRequest request);

  /** Creates the target database and marks it as this app's, or accepts one an earlier attempt made. */
  TargetPrepared prepareTarget(TargetRequest request);

  /**
   * Stamps this move's marker on an existing target database that the plan allows to overwrite
   * ({@code target.overwrite: true}), so the ordinary rules then let the move replace it. A database
   * that does not exist, or that a completed move of this app serves from, is left as it is.
   */
  TargetPrepared claimTarget(TargetRequest request);

  /** Drops the target database, but only one whose marker says this app's move created it. */
  void dropTarget(TargetRequest request);

  /** Marks the target as live: from now on no move may drop or overwrite it. */
  void markTargetLive(TargetRequest request);

  /**
   * The switch's first change, in one transaction on the target: the fence it had since its creation comes
   * off and its marker says live. From that commit on it may hold users' writes, so no move drops it.
   */
  void goLive(TargetRequest request);

  /**
   * Undoes {@link #goLive} when a rollback has proven the target took no writes: fenced again and marked
   * copied in one transaction, so the rollback may then drop it.
   */
  void demoteTarget(TargetRequest request);

  /** Writes the move's journal on the database (the source): what the move is about to change. */
  void record(JournalRequest request);

  /** Removes the journal of {@code request.journal().run()}; a journal of another run is left alone. */
  void clearJournal(JournalRequest request);

  /** Makes the database refuse writes from every session but the mover's, and proves quiescence. */
  FenceResult fence(FenceRequest request);

  /** Restores exactly the settings the fence replaced. */
  void unfence(FenceRequest request);

  /**
   * Preflight: the extensions the source database uses that the target server cannot install at the version
   * the source has. A restore would fail on each of them, so they block before anything changes.
   */
  ExtensionCheck checkExtensions(ExtensionRequest request);

  /** Runs the settle guards on the source; a guard that errors counts as false, with the error. */
  List<GuardResult> checkGuards(GuardRequest request);

  record InspectRequest(String box, Database database) {}

  record DatabaseInfo(
      String box,
      boolean reachable,
      boolean exists,
      String error,
      Integer serverVersionNum,
      String serverVersion,
      Long sizeBytes,
      Integer userTables,
      String marker,
      boolean fenced,
      String fencedBy,
      MoveJournal journal) {

    @JsonIgnore
    public String summary() {
      if (!reachable) {
        return "unreachable: " + error;
      }
      return exists
          ? serverVersion + ", " + userTables + " tables, " + sizeBytes + " bytes"
          : serverVersion + ", database does not exist";
    }
  }

  record TargetRequest(String app, String moveId, String box, Database database) {}

  record JournalRequest(String box, Database database, MoveJournal journal) {}

  record TargetPrepared(boolean created, String marker) {

    @JsonIgnore
    public String summary() {
      return created ? "created, marked " + marker : "recreated over an earlier attempt";
    }
  }

  record FenceRequest(String app, String box, Database database) {}

  record FenceResult(
      boolean alreadyFenced, int sessionsEnded, String walPosition, String previousReadOnly) {

    @JsonIgnore
    public String summary() {
      return "read-only for everyone but the mover; ended " + sessionsEnded + " sessions; WAL at " + walPosition;
    }
  }

  record ExtensionRequest(String sourceBox, Database source, String targetBox, Database target) {}

  /**
   * Each missing entry reads {@code name version} as installed on the source, and why. {@code otherVersion}:
   * extensions the target installs at another version by default, which the restore takes (pg_dump names no
   * version), so the moved database would differ from the source, and the verify gate says so.
   */
  record ExtensionCheck(List<String> used, List<String> missing, List<String> otherVersion) {

    public ExtensionCheck {
      otherVersion = otherVersion == null ? List.of() : List.copyOf(otherVersion);
    }

    public ExtensionCheck(List<String> used, List<String> missing) {
      this(used, missing, List.of());
    }
  }

  record GuardRequest(String box, Database database, List<Settle.Guard> guards) {}

  record GuardResult(String name, boolean holds, String error) {}
}
