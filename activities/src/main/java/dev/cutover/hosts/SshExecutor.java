package dev.cutover.hosts;

import dev.cutover.plan.Host;
import dev.cutover.workflow.CutoverFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A box reached with the system ssh client. Host keys are always checked (a move must not send its stop
 * commands to whoever answers), and BatchMode makes a missing key or an unknown host fail at once instead
 * of waiting at a password prompt no one sees. The remote command is quoted by {@link ShellQuoting}.
 */
final class SshExecutor implements Executor {

  /** ssh's own exit code for anything that went wrong before or outside the remote command. */
  static final int SSH_ERROR = 255;

  // Refusals no retry can fix: a changed or unknown host key, a rejected key.
  private static final Pattern REFUSED = Pattern.compile(
      "Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No .* host key is known|"
          + "Permission denied", Pattern.CASE_INSENSITIVE);

  private final String box;
  private final Host host;
  private final String ssh;

  SshExecutor(String box, Host host) {
    this(box, host, "ssh");
  }

  SshExecutor(String box, Host host, String sshProgram) {
    this.box = box;
    this.host = host;
    this.ssh = sshProgram;
  }

  @Override
  public String where() {
    return box + " (ssh " + host.target() + ")";
  }

  @Override
  public boolean isLocal() {
    return false;
  }

  /** The local argument list: options, {@code --}, the destination, then one quoted remote command line. */
  List<String> argv(List<String> remote) {
    List<String> argv = new ArrayList<>(List.of(ssh,
        "-o", "BatchMode=yes",
        "-o", "StrictHostKeyChecking=yes",
        "-o", "ConnectTimeout=15",
        "-o", "ServerAliveInterval=15",
        "-o", "LogLevel=ERROR",
        "-T"));
    if (host.knownHostsFile() != null) {
      argv.addAll(List.of("-o", "UserKnownHostsFile=" + host.knownHostsFile()));
    }
    if (host.identityFile() != null) {
      // Only the plan's key: ssh would otherwise offer every agent key first and may hit MaxAuthTries.
      argv.addAll(List.of("-i", host.identityFile(), "-o", "IdentitiesOnly=yes"));
    }
    if (host.port() != null) {
      argv.addAll(List.of("-p", host.port().toString()));
    }
    // "--" ends ssh's options, so a destination can never be read as one.
    argv.addAll(List.of("--", host.target(), ShellQuoting.commandLine(remote)));
    return argv;
  }

  /**
   * Killing the local ssh client does not stop the remote command (without a terminal it gets no hangup),
   * so the remote side carries the same deadline: coreutils {@code timeout} ends it, and whatever it
   * started, if it is still running then.
   */
  static List<String> withDeadline(List<String> remote, Duration timeout) {
    List<String> bounded = new ArrayList<>(List.of("timeout", "-k", "5", Math.max(1, timeout.toSeconds()) + "s"));
    bounded.addAll(remote);
    return bounded;
  }

  @Override
  public ProcessRunner.Result run(List<String> remote, Duration timeout) {
    ProcessRunner.Result result =
        ProcessRunner.run(argv(withDeadline(remote, timeout)), Map.of(), timeout, label(remote));
    failOnSshError(result.exitCode(), result.stderrTail());
    return result;
  }

  @Override
  public ProcessRunner.Captured capture(List<String> remote, Duration timeout, int maxBytes) {
    ProcessRunner.Captured result =
        ProcessRunner.capture(argv(withDeadline(remote, timeout)), Map.of(), timeout, label(remote), maxBytes);
    failOnSshError(result.exitCode(), result.stderrTail());
    return result;
  }

  private String label(List<String> remote) {
    return remote.get(0) + " on " + where();
  }

  // A remote command that itself exits 255 is reported as an ssh failure too: ssh gives no way to tell.
  private void failOnSshError(int exitCode, String stderr) {
    if (exitCode != SSH_ERROR) {
      return;
    }
    String message = "ssh to " + host.target() + (host.port() == null ? "" : " port " + host.port()) + " for "
        + box + " failed (exit 255: connection or authentication)" + (stderr.isEmpty() ? "" : ": " + stderr);
    throw REFUSED.matcher(stderr).find()
        ? CutoverFailure.AUTH_REJECTED.failure(message + "; check the host key in known_hosts and the identity file")
        : CutoverFailure.COMMAND_FAILED.failure(message);
  }
}
