package dev.cutover.hosts;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.cutover.plan.Artifact;
import dev.cutover.plan.Host;
import dev.cutover.plan.ServiceCheck;
import io.temporal.activity.ActivityInterface;
import java.time.Duration;
import java.util.List;
import java.util.SortedMap;

/**
 * Runs the plan's commands on a box (stop and start the app, the writers, the jobs), checks their effect,
 * and inspects the box in preflight. The box is reached as {@code host.exec} says: locally or over ssh.
 * Results carry exit codes, tails of output and hashes, never the content of a config file.
 */
@ActivityInterface
public interface HostActivities {

  /** Runs one argument list (never through a local shell); a non-zero exit fails with stderr's tail. */
  CommandResult run(CommandRequest request);

  /**
   * Polls the service's check until it shows the expected state; past the timeout, fails with a retryable
   * COMMAND_FAILED naming what is still running (or still stopped).
   */
  StateCheckResult verifyState(StateCheckRequest request);

  /**
   * {@link #run}, then {@link #verifyState} if {@code check} is given: a service's change and its proof as one
   * activity, so a freeze pays one scheduling round for both instead of two. Tried once: on a failure the
   * workflow runs the two as before, each with its own retries.
   */
  ServiceChanged change(ServiceChangeRequest request);

  /** The app config file's keys, each with a salted SHA-256 of its value: never a value. */
  ConfigKeys configKeys(ConfigKeysRequest request);

  /** The box's CPU architecture and the app artifact's, normalised (amd64, arm64, ...). */
  ArchResult architecture(ArchRequest request);

  /** Free space where the restored database will live, against what the source database needs. */
  DiskResult diskRoom(DiskRequest request);

  /** Runs the plan's pending-migrations command: output or a non-zero exit means migrations wait. */
  MigrationsResult pendingMigrations(MigrationsRequest request);

  record CommandRequest(String box, Host host, String purpose, List<String> argv, Duration timeout) {}

  record CommandResult(int exitCode, long millis, String stdoutTail, String stderrTail) {}

  /** {@code what} names the service in messages, e.g. "app" or "job scoring". */
  record StateCheckRequest(
      String box, Host host, String what, ServiceCheck check, boolean expectRunning, Duration timeout) {}

  /** {@code detail} is the last probe's outcome, e.g. "exit 3" or "HTTP 200" or "connection refused". */
  record StateCheckResult(String what, boolean running, int probes, long millis, String detail) {}

  /** {@code check} null: the command alone. */
  record ServiceChangeRequest(CommandRequest command, StateCheckRequest check) {}

  /** {@code state} null when there was no check. */
  record ServiceChanged(CommandResult command, StateCheckResult state) {}

  /**
   * {@code salt} is mixed into every hash so the hashes cannot be looked up in a table of common values;
   * give both boxes of one move the same salt, or every value compares as different.
   */
  record ConfigKeysRequest(String box, Host host, String file, String salt, Duration timeout) {}

  /**
   * {@code format} is dotenv, json or yaml (from the file's extension). {@code valueHashes} maps each key
   * (nested keys of JSON and YAML joined with dots) to the hex SHA-256 of salt, a NUL byte and the value.
   * {@code skippedLines} counts dotenv lines that were neither a setting, a comment nor blank.
   */
  record ConfigKeys(String box, String file, String format, SortedMap<String, String> valueHashes, int skippedLines) {}

  record ArchRequest(String box, Host host, Artifact artifact, Duration timeout) {}

  /**
   * Architectures in canonical form ({@link dev.cutover.plan.Architectures}), or null when the raw text is not one cutover
   * knows. {@code artifactSource} says where the artifact's came from, e.g. "ELF header of /srv/game/bin/game".
   */
  record ArchResult(
      String box,
      String boxArch,
      String boxArchRaw,
      String artifact,
      String artifactArch,
      String artifactArchRaw,
      String artifactSource) {

    @JsonIgnore
    public boolean matches() {
      return boxArch != null && boxArch.equals(artifactArch);
    }
  }

  /** {@code sourceDatabaseBytes} is the source database's size, from the database inspection. */
  record DiskRequest(String box, Host host, String path, long sourceDatabaseBytes, Duration timeout) {}

  /**
   * {@code checkedPath} is {@code path} or, when that does not exist yet, its nearest existing parent,
   * which is where it would be created. {@code neededBytes} includes {@link PreflightFindings#neededBytes}'s headroom.
   */
  record DiskResult(String box, String path, String checkedPath, long freeBytes, long neededBytes) {

    @JsonIgnore
    public boolean enough() {
      return freeBytes >= neededBytes;
    }
  }

  record MigrationsRequest(String box, Host host, List<String> pendingCommand, Duration timeout) {}

  /** {@code outputTail} is the tail of stdout (or of stderr when stdout is empty): the pending names. */
  record MigrationsResult(String box, boolean pending, int exitCode, String outputTail) {}
}
