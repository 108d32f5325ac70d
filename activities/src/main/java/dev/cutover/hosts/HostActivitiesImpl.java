package dev.cutover.hosts;

import dev.cutover.plan.Architectures;
import dev.cutover.plan.Artifact;
import dev.cutover.plan.Host;
import dev.cutover.plan.ServiceCheck;
import dev.cutover.preflight.PreflightFindings;
import dev.cutover.support.Heartbeats;
import dev.cutover.workflow.CutoverFailure;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs plan commands and preflight inspections on a box, locally or over ssh. A box reached through its
 * own worker ({@code exec: worker}) is run here only by that worker: the one constructed with the box's
 * task queue; any other worker refuses, because running the box's commands on the wrong machine would
 * stop or start the wrong thing.
 */
public class HostActivitiesImpl implements HostActivities {

  /** Largest config file read; an app config is a few kilobytes, anything near this is not one. */
  static final int MAX_CONFIG_BYTES = 1 << 20;

  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

  private final String ownTaskQueue;
  private final Duration pollEvery;
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5))
      .followRedirects(HttpClient.Redirect.NEVER)
      .build();

  /** A worker that reaches boxes locally or over ssh, and is no box's own worker. */
  public HostActivitiesImpl() {
    this(null, Duration.ofMillis(500));
  }

  /** The worker running on a box, polling that box's task queue: it runs {@code exec: worker} requests locally. */
  public HostActivitiesImpl(String ownTaskQueue) {
    this(ownTaskQueue, Duration.ofMillis(500));
  }

  HostActivitiesImpl(String ownTaskQueue, Duration pollEvery) {
    this.ownTaskQueue = ownTaskQueue;
    this.pollEvery = pollEvery;
  }

  Executor executor(String box, Host host) {
    return switch (host.exec()) {
      case LOCAL -> new LocalExecutor(box);
      case SSH -> new SshExecutor(box, host);
      case WORKER -> {
        if (host.taskQueue() != null && host.taskQueue().equals(ownTaskQueue)) {
          yield new LocalExecutor(box);
        }
        throw CutoverFailure.NOT_SUPPORTED.failure("commands for " + box + " run on the cutover worker on " + box
            + " (task queue " + host.taskQueue() + "), not on this worker"
            + (ownTaskQueue == null ? "" : " (task queue " + ownTaskQueue + ")"));
      }
    };
  }

  @Override
  public CommandResult run(CommandRequest request) {
    Executor executor = executor(request.box(), request.host());
    ProcessRunner.Result result = executor.run(request.argv(), request.timeout());
    if (result.exitCode() != 0) {
      throw CutoverFailure.COMMAND_FAILED.failure(
          request.purpose() + " on " + executor.where() + " (" + request.argv().get(0) + ") exited "
              + result.exitCode() + (result.stderrTail().isEmpty() ? "" : ": " + result.stderrTail()));
    }
    return new CommandResult(result.exitCode(), result.millis(), result.stdoutTail(), result.stderrTail());
  }

  @Override
  public ServiceChanged change(ServiceChangeRequest request) {
    CommandResult command = run(request.command());
    return new ServiceChanged(command, request.check() == null ? null : verifyState(request.check()));
  }

  @Override
  public StateCheckResult verifyState(StateCheckRequest request) {
    Executor executor = executor(request.box(), request.host());
    long started = System.nanoTime();
    long deadline = started + request.timeout().toNanos();
    int probes = 0;
    while (true) {
      Probe probe = probe(executor, request.check());
      probes++;
      long now = System.nanoTime();
      if (probe.running() == request.expectRunning()) {
        return new StateCheckResult(request.what(), probe.running(), probes, (now - started) / 1_000_000,
            probe.detail());
      }
      if (now >= deadline) {
        throw CutoverFailure.COMMAND_FAILED.failure(request.what() + " on " + executor.where() + " is still "
            + (probe.running() ? "running" : "stopped") + " after " + probes + " checks in "
            + (now - started) / 1_000_000 + " ms (" + describe(request.check()) + ": " + probe.detail() + ")");
      }
      Heartbeats.send(request.what() + ": " + probe.detail());
      try {
        Thread.sleep(Math.max(1, Math.min(pollEvery.toMillis(), (deadline - now) / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CutoverFailure.COMMAND_FAILED.failure("interrupted while checking " + request.what(), e);
      }
    }
  }

  private record Probe(boolean running, String detail) {}

  private Probe probe(Executor executor, ServiceCheck check) {
    if (check.command() != null) {
      ProcessRunner.Result r = executor.run(check.command(), PROBE_TIMEOUT);
      notFound(executor, check.command().get(0), r.exitCode());
      return new Probe(r.exitCode() == 0, "exit " + r.exitCode());
    }
    return executor.isLocal() ? probeHttp(check.url()) : probeHttpOnBox(executor, check.url());
  }

  // A shell's "not found" and "not executable": a typo in a check must never read as "stopped".
  private static void notFound(Executor executor, String program, int exitCode) {
    if (exitCode == 126 || exitCode == 127) {
      throw CutoverFailure.COMMAND_NOT_FOUND.failure(
          "cannot run " + program + " on " + executor.where() + " (exit " + exitCode + ")");
    }
  }

  private Probe probeHttp(URI url) {
    try {
      HttpResponse<Void> response = http.send(
          HttpRequest.newBuilder(url).timeout(PROBE_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.discarding());
      return new Probe(response.statusCode() / 100 == 2, "HTTP " + response.statusCode());
    } catch (IOException e) {
      return new Probe(false, e instanceof ConnectException ? "connection refused" : e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CutoverFailure.COMMAND_FAILED.failure("interrupted while checking " + url, e);
    }
  }

  /** The URL is the box's view (often 127.0.0.1), so it is fetched on the box, with its curl. */
  private static Probe probeHttpOnBox(Executor executor, URI url) {
    ProcessRunner.Result r = executor.run(List.of("curl", "--silent", "--output", "/dev/null",
        "--max-time", String.valueOf(PROBE_TIMEOUT.toSeconds()), "--write-out", "%{http_code}", url.toString()),
        PROBE_TIMEOUT.plusSeconds(5));
    notFound(executor, "curl", r.exitCode());
    String status = r.stdoutTail().strip();
    if (r.exitCode() != 0 || status.equals("000")) {
      return new Probe(false, r.exitCode() == 7 ? "connection refused" : "curl exit " + r.exitCode());
    }
    return new Probe(status.startsWith("2") && status.length() == 3, "HTTP " + status);
  }

  private static String describe(ServiceCheck check) {
    return check.command() != null ? String.join(" ", check.command()) : check.url().toString();
  }

  @Override
  public ConfigKeys configKeys(ConfigKeysRequest request) {
    Executor executor = executor(request.box(), request.host());
    byte[] content = read(executor, request.file(), MAX_CONFIG_BYTES, request.timeout(), "config file");
    if (content.length >= MAX_CONFIG_BYTES) {
      throw CutoverFailure.COMMAND_FAILED.failure("config file " + request.file() + " on " + executor.where()
          + " is larger than " + MAX_CONFIG_BYTES + " bytes: is it the app's config?");
    }
    ConfigFiles.Hashed hashed = ConfigFiles.hashes(request.file(), content, request.salt());
    return new ConfigKeys(request.box(), request.file(), hashed.format(), hashed.valueHashes(), hashed.skippedLines());
  }

  /** A file's first {@code max} bytes: with Java on this machine, with {@code head} over ssh. */
  private static byte[] read(Executor executor, String file, int max, Duration timeout, String what) {
    if (executor.isLocal()) {
      try (InputStream in = Files.newInputStream(Path.of(file))) {
        return in.readNBytes(max);
      } catch (NoSuchFileException e) {
        throw CutoverFailure.COMMAND_FAILED.failure(what + " " + file + " does not exist on " + executor.where());
      } catch (IOException e) {
        throw CutoverFailure.COMMAND_FAILED.failure(
            "cannot read " + what + " " + file + " on " + executor.where() + ": " + e.getClass().getSimpleName());
      }
    }
    ProcessRunner.Captured c = executor.capture(List.of("head", "-c", String.valueOf(max), "--", file), timeout, max);
    if (c.exitCode() != 0) {
      notFound(executor, "head", c.exitCode());
      throw CutoverFailure.COMMAND_FAILED.failure("cannot read " + what + " " + file + " on " + executor.where()
          + " (exit " + c.exitCode() + ")" + (c.stderrTail().isEmpty() ? "" : ": " + c.stderrTail()));
    }
    return c.stdout();
  }

  @Override
  public ArchResult architecture(ArchRequest request) {
    Executor executor = executor(request.box(), request.host());
    ProcessRunner.Result uname = executor.run(List.of("uname", "-m"), request.timeout());
    if (uname.exitCode() != 0) {
      throw CutoverFailure.COMMAND_FAILED.failure("uname -m on " + executor.where() + " exited " + uname.exitCode()
          + (uname.stderrTail().isEmpty() ? "" : ": " + uname.stderrTail()));
    }
    String boxRaw = uname.stdoutTail().strip();
    Artifact artifact = request.artifact();
    String label = artifact.image() != null ? artifact.image()
        : artifact.binary() != null ? artifact.binary() : "the app";
    String raw;
    String source;
    if (artifact.arch() != null) {
      raw = artifact.arch();
      source = "the plan's artifact.arch";
    } else if (artifact.binary() != null) {
      raw = elfArch(executor, artifact.binary(), request.timeout());
      source = "ELF header of " + artifact.binary();
    } else {
      ProcessRunner.Result r = executor.run(artifact.archCommand(), request.timeout());
      if (r.exitCode() != 0) {
        notFound(executor, artifact.archCommand().get(0), r.exitCode());
        throw CutoverFailure.COMMAND_FAILED.failure("artifact.archCommand on " + executor.where() + " exited "
            + r.exitCode() + (r.stderrTail().isEmpty() ? "" : ": " + r.stderrTail()));
      }
      String[] lines = r.stdoutTail().strip().split("\\R");
      raw = lines[lines.length - 1].strip();
      source = "output of " + String.join(" ", artifact.archCommand());
    }
    return new ArchResult(request.box(), Architectures.normalise(boxRaw), boxRaw, label,
        Architectures.normalise(raw), raw, source);
  }

  private static String elfArch(Executor executor, String binary, Duration timeout) {
    byte[] head;
    if (executor.isLocal()) {
      head = read(executor, binary, ElfHeader.NEEDED, timeout, "artifact.binary");
    } else {
      ProcessRunner.Captured c = executor.capture(
          List.of("od", "-An", "-tx1", "-N" + ElfHeader.NEEDED, "--", binary), timeout, 4096);
      if (c.exitCode() != 0) {
        notFound(executor, "od", c.exitCode());
        throw CutoverFailure.COMMAND_FAILED.failure("cannot read artifact.binary " + binary + " on "
            + executor.where() + (c.stderrTail().isEmpty() ? "" : ": " + c.stderrTail()));
      }
      head = ElfHeader.fromOdHex(new String(c.stdout(), StandardCharsets.US_ASCII));
    }
    Integer machine = ElfHeader.machine(head);
    if (machine == null) {
      throw CutoverFailure.INVALID_PLAN.failure("artifact.binary " + binary + " on " + executor.where()
          + " is not an ELF executable (a script or wrapper?): name the real binary, or give artifact.arch");
    }
    String arch = Architectures.ofElfMachine(machine);
    return arch != null ? arch : "ELF machine " + machine;
  }

  @Override
  public DiskResult diskRoom(DiskRequest request) {
    Executor executor = executor(request.box(), request.host());
    long needed = PreflightFindings.neededBytes(request.sourceDatabaseBytes());
    // The data directory may not exist before the move creates it: measure where it would be created.
    Path path = executor.isLocal() ? Path.of(request.path()).toAbsolutePath().normalize()
        : Path.of(request.path()).normalize();
    for (Path at = path; at != null; at = at.getParent()) {
      Long free = executor.isLocal() ? freeLocal(at) : freeOverSsh(executor, at, request.timeout());
      if (free != null) {
        return new DiskResult(request.box(), request.path(), at.toString(), free, needed);
      }
    }
    throw CutoverFailure.COMMAND_FAILED.failure("cannot measure free disk at " + request.path() + " on "
        + executor.where());
  }

  private static Long freeLocal(Path at) {
    try {
      return Files.getFileStore(at).getUsableSpace();
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw CutoverFailure.COMMAND_FAILED.failure("cannot measure free disk at " + at + ": " + e.getMessage());
    }
  }

  /** POSIX {@code df -P -k}: the second line's fourth column is the space available to unprivileged users. */
  private static Long freeOverSsh(Executor executor, Path at, Duration timeout) {
    ProcessRunner.Result r = executor.run(List.of("df", "-P", "-k", "--", at.toString()), timeout);
    notFound(executor, "df", r.exitCode());
    if (r.exitCode() != 0) {
      return null; // most often: no such file or directory; the caller tries the parent
    }
    String[] lines = r.stdoutTail().strip().split("\\R");
    String[] columns = lines[lines.length - 1].trim().split("\\s+");
    try {
      return Long.parseLong(columns[3]) * 1024;
    } catch (RuntimeException e) {
      throw CutoverFailure.COMMAND_FAILED.failure("unexpected df output on " + executor.where() + ": "
          + lines[lines.length - 1]);
    }
  }

  @Override
  public MigrationsResult pendingMigrations(MigrationsRequest request) {
    Executor executor = executor(request.box(), request.host());
    ProcessRunner.Result r = executor.run(request.pendingCommand(), request.timeout());
    notFound(executor, request.pendingCommand().get(0), r.exitCode());
    String output = r.stdoutTail().isEmpty() ? r.stderrTail() : r.stdoutTail();
    return new MigrationsResult(request.box(), r.exitCode() != 0 || !r.stdoutTail().isEmpty(), r.exitCode(), output);
  }
}
