package dev.cutover.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.cutover.hosts.HostActivities.ArchRequest;
import dev.cutover.hosts.HostActivities.CommandRequest;
import dev.cutover.hosts.HostActivities.CommandResult;
import dev.cutover.hosts.HostActivities.ConfigKeysRequest;
import dev.cutover.hosts.HostActivities.DiskRequest;
import dev.cutover.hosts.HostActivities.MigrationsRequest;
import dev.cutover.hosts.HostActivities.StateCheckRequest;
import dev.cutover.hosts.HostActivities.StateCheckResult;
import dev.cutover.plan.Artifact;
import dev.cutover.plan.Host;
import dev.cutover.plan.ServiceCheck;
import dev.cutover.testing.SshServer;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** HostActivities over a real ssh connection to a throwaway sshd on loopback. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SshExecutorTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  @TempDir
  static Path dir;

  static SshServer sshd;
  static Host host;

  private final HostActivitiesImpl hosts = new HostActivitiesImpl(null, Duration.ofMillis(50));

  @BeforeAll
  static void startSshd() throws Exception {
    sshd = SshServer.start(dir);
    host = sshd.host();
  }

  @AfterAll
  static void stopSshd() {
    if (sshd != null) {
      sshd.close();
    }
  }

  private CommandResult run(Host on, List<String> argv, Duration timeout) {
    return hosts.run(new CommandRequest("arm", on, "test", argv, timeout));
  }

  @Test
  void runsACommandAndReturnsItsOutput() {
    CommandResult r = run(host, List.of("sh", "-c", "echo out; echo err >&2"), TIMEOUT);

    assertEquals(0, r.exitCode(), sshd.log());
    assertEquals("out", r.stdoutTail());
    assertEquals("err", r.stderrTail());
  }

  @Test
  void aFailingCommandFailsWithItsExitCodeAndStderr() {
    ApplicationFailure f = assertThrows(ApplicationFailure.class,
        () -> run(host, List.of("sh", "-c", "echo no such unit >&2; exit 3"), TIMEOUT));

    assertEquals("COMMAND_FAILED", f.getType());
    assertTrue(f.getOriginalMessage().contains("test on arm (ssh " + host.target() + ") (sh) exited 3: no such unit"),
        f.getOriginalMessage());
  }

  @Test
  void everyArgumentArrivesVerbatim() {
    List<String> argv = new ArrayList<>(List.of("printf", "%s\\0"));
    argv.addAll(ShellQuotingTest.HOSTILE);
    ProcessRunner.Captured c = hosts.executor("arm", host).capture(argv, TIMEOUT, 1 << 16);

    assertEquals(0, c.exitCode(), c.stderrTail());
    assertEquals(ShellQuotingTest.HOSTILE, ShellQuotingTest.split(c.stdout()));
  }

  @Test
  void aFileNamedLikeAShellCommandIsCreatedAsNamedAndNothingRuns() throws IOException {
    Path work = Files.createDirectories(dir.resolve("names"));
    String name = "a b;touch pwned1 $(touch pwned2) `touch pwned3` *'\"";
    run(host, List.of("touch", work.resolve(name).toString()), TIMEOUT);
    run(host, List.of("printf", "%s", "it's $(id) ; *"), TIMEOUT);

    try (var files = Files.list(work)) {
      assertEquals(List.of(name), files.map(p -> p.getFileName().toString()).toList());
    }
    for (String pwned : List.of("pwned1", "pwned2", "pwned3")) {
      assertFalse(Files.exists(Path.of(System.getProperty("user.home"), pwned)), pwned + " was created");
    }
    assertEquals("it's $(id) ; *", run(host, List.of("printf", "%s", "it's $(id) ; *"), TIMEOUT).stdoutTail());
  }

  @Test
  void aWrongHostKeyIsRefused() {
    ApplicationFailure f = assertThrows(ApplicationFailure.class,
        () -> run(sshd.hostWithWrongKey(), List.of("true"), TIMEOUT));

    assertEquals("AUTH_REJECTED", f.getType());
    assertTrue(f.isNonRetryable());
    assertTrue(f.getOriginalMessage().contains("ssh to " + host.target() + " port " + sshd.port() + " for arm failed"
        + " (exit 255: connection or authentication)"), f.getOriginalMessage());
    assertTrue(f.getOriginalMessage().contains("Host key verification failed"), f.getOriginalMessage());
  }

  @Test
  void nobodyListeningIsARetryableFailureNamingTheDestination() throws IOException {
    int closed;
    try (var socket = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = socket.getLocalPort();
    }
    Host nowhere = new Host(Host.Exec.SSH, host.target(), null, host.identityFile(), closed, host.knownHostsFile());
    ApplicationFailure f = assertThrows(ApplicationFailure.class, () -> run(nowhere, List.of("true"), TIMEOUT));

    assertEquals("COMMAND_FAILED", f.getType());
    assertFalse(f.isNonRetryable());
    assertTrue(f.getOriginalMessage().startsWith("ssh to " + host.target() + " port " + closed + " for arm failed"),
        f.getOriginalMessage());
  }

  @Test
  void aCommandPastItsTimeoutIsKilledHereAndOnTheBox() throws InterruptedException {
    long started = System.nanoTime();
    ApplicationFailure f = assertThrows(ApplicationFailure.class,
        () -> run(host, List.of("sleep", "47"), Duration.ofSeconds(2)));
    long millis = (System.nanoTime() - started) / 1_000_000;

    assertEquals("COMMAND_FAILED", f.getType());
    assertTrue(f.getOriginalMessage().contains("sleep on arm (ssh " + host.target() + ") did not finish within 2s"
        + " and was killed"), f.getOriginalMessage());
    assertTrue(millis < 15_000, "took " + millis + " ms");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (remoteSleepRunning()) {
      assertTrue(System.nanoTime() < deadline, "the remote sleep 47 outlived its deadline");
      Thread.sleep(50); // a poll interval; the deadline above decides
    }
  }

  private static boolean remoteSleepRunning() {
    return ProcessHandle.allProcesses().anyMatch(p -> p.info().arguments()
        .map(args -> args.length == 1 && args[0].equals("47")).orElse(false)
        && p.info().command().map(c -> c.endsWith("/sleep")).orElse(false));
  }

  @Test
  void stateCheckCommandPollsUntilTheExpectedState() throws IOException {
    Path counter = dir.resolve("counter");
    Files.writeString(counter, "0");
    // Exits 0 ("running") from the third probe on: the check must poll, not decide on the first answer.
    ServiceCheck check = ServiceCheck.command("sh", "-c", "n=$(cat \"$1\"); echo $((n+1)) > \"$1\"; [ \"$n\" -ge 2 ]",
        "sh", counter.toString());

    StateCheckResult r = hosts.verifyState(new StateCheckRequest("arm", host, "app", check, true, TIMEOUT));

    assertTrue(r.running());
    assertEquals(3, r.probes());
    assertEquals("exit 0", r.detail());
  }

  @Test
  void stateCheckThatNeverGetsThereFailsNamingWhatIsStillRunning() {
    ApplicationFailure f = assertThrows(ApplicationFailure.class, () -> hosts.verifyState(new StateCheckRequest(
        "arm", host, "job scoring", ServiceCheck.command("true"), false, Duration.ofMillis(500))));

    assertEquals("COMMAND_FAILED", f.getType());
    assertFalse(f.isNonRetryable());
    assertTrue(f.getOriginalMessage().startsWith("job scoring on arm (ssh " + host.target() + ") is still running"),
        f.getOriginalMessage());
  }

  @Test
  void aCheckCommandThatDoesNotExistIsNotMistakenForStopped() {
    ApplicationFailure f = assertThrows(ApplicationFailure.class, () -> hosts.verifyState(new StateCheckRequest(
        "arm", host, "app", ServiceCheck.command("no-such-check-command"), false, TIMEOUT)));

    assertEquals("COMMAND_NOT_FOUND", f.getType());
  }

  @Test
  void urlCheckRunsOnTheBox() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/healthz", exchange -> {
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.start();
    String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/healthz";
    try {
      StateCheckResult up = hosts.verifyState(
          new StateCheckRequest("arm", host, "app", ServiceCheck.url(url), true, TIMEOUT));
      assertEquals("HTTP 200", up.detail());
    } finally {
      server.stop(0);
    }
    StateCheckResult down = hosts.verifyState(
        new StateCheckRequest("arm", host, "app", ServiceCheck.url(url), false, TIMEOUT));
    assertFalse(down.running());
    assertEquals("connection refused", down.detail());
  }

  @Test
  void inspectionsOverSshSeeWhatLocalInspectionsSee() throws IOException {
    Path env = Files.writeString(dir.resolve("app.env"), "# app\nexport A=1\nB=\"two words\"\n");
    Path binary = PreflightInspectionsTest.elf(dir.resolve("game-arm64"), 183);
    Duration t = TIMEOUT;

    assertEquals(hosts.configKeys(new ConfigKeysRequest("arm", Host.LOCAL, env.toString(), "s", t)),
        hosts.configKeys(new ConfigKeysRequest("arm", host, env.toString(), "s", t)));
    var arch = hosts.architecture(new ArchRequest("arm", host, new Artifact(null, null, binary.toString(), null), t));
    assertEquals("arm64", arch.artifactArch());
    assertEquals(hosts.architecture(new ArchRequest("arm", Host.LOCAL, new Artifact(null, "arm64", null, null), t))
        .boxArch(), arch.boxArch());
    var disk = hosts.diskRoom(new DiskRequest("arm", host, dir.resolve("not/yet/created").toString(), 1, t));
    assertEquals(dir.toString(), disk.checkedPath());
    assertTrue(disk.enough() && disk.freeBytes() > 0);
    var pending = hosts.pendingMigrations(new MigrationsRequest("arm", host, List.of("printf", "%s\\n", "0042_add_odds"), t));
    assertTrue(pending.pending());
    assertEquals("0042_add_odds", pending.outputTail());
    assertFalse(hosts.pendingMigrations(new MigrationsRequest("arm", host, List.of("true"), t)).pending());
  }
}
