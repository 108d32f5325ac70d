package dev.cutover.testing;

import dev.cutover.plan.Host;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway OpenSSH server on a free loopback port, with its own host key and one authorised user key,
 * all in a temporary directory. Close it in every case: it is a real process.
 */
public final class SshServer implements AutoCloseable {

  private static final Path SSHD = Path.of("/usr/sbin/sshd");

  private final Path dir;
  private final int port;
  private final Process process;

  private SshServer(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  public static SshServer start(Path dir) throws IOException, InterruptedException {
    if (!Files.isExecutable(SSHD)) {
      throw new IllegalStateException(SSHD + " is missing: install openssh-server (CI does) to run the ssh tests");
    }
    keygen(dir.resolve("host_key"));
    keygen(dir.resolve("user_key"));
    keygen(dir.resolve("other_host_key"));
    Files.copy(dir.resolve("user_key.pub"), dir.resolve("authorized_keys"));
    // sshd refuses to start without its privilege separation directory; Debian creates it at boot only.
    Files.createDirectories(Path.of("/run/sshd"));
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Files.writeString(dir.resolve("sshd_config"), String.join("\n",
        "Port " + port,
        "ListenAddress 127.0.0.1",
        "HostKey " + dir.resolve("host_key"),
        "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
        "PidFile " + dir.resolve("sshd.pid"),
        "StrictModes no",
        "UsePAM no",
        "PermitRootLogin prohibit-password",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "LogLevel ERROR",
        ""));
    Process process = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", dir.resolve("sshd_config").toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("sshd.log").toFile())
        .start();
    SshServer server = new SshServer(dir, port, process);
    try {
      server.awaitListening(Duration.ofSeconds(10));
    } catch (RuntimeException | Error e) {
      server.close();
      throw e;
    }
    String hostKey = Files.readString(dir.resolve("host_key.pub")).trim();
    String otherKey = Files.readString(dir.resolve("other_host_key.pub")).trim();
    Files.writeString(dir.resolve("known_hosts"), "[127.0.0.1]:" + port + " " + hostKey + "\n");
    Files.writeString(dir.resolve("wrong_known_hosts"), "[127.0.0.1]:" + port + " " + otherKey + "\n");
    return server;
  }

  private static void keygen(Path file) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", file.toString())
        .redirectErrorStream(true).start();
    p.getInputStream().transferTo(OutputStream.nullOutputStream());
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("ssh-keygen failed for " + file);
    }
  }

  private void awaitListening(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("sshd exited " + process.exitValue() + ": " + log());
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException notYet) {
        pause();
      }
    }
    throw new IllegalStateException("sshd did not listen on 127.0.0.1:" + port + " within " + timeout + ": " + log());
  }

  // Backs off between connection attempts; the deadline, not this pause, decides when to give up.
  private static void pause() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for sshd", e);
    }
  }

  public String log() {
    try {
      return Files.exists(dir.resolve("sshd.log")) ? Files.readString(dir.resolve("sshd.log")) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return port;
  }

  /** A plan's host for this server, as the current user, with the right host key. */
  public Host host() {
    return host("known_hosts");
  }

  /** The same, but trusting another key for the server: ssh must refuse to talk to it. */
  public Host hostWithWrongKey() {
    return host("wrong_known_hosts");
  }

  private Host host(String knownHosts) {
    return new Host(Host.Exec.SSH, System.getProperty("user.name") + "@127.0.0.1", null,
        dir.resolve("user_key").toString(), port, dir.resolve(knownHosts).toString());
  }

  @Override
  public void close() {
    // Sessions first, while sshd is alive to reap them: orphans would outlive the test.
    process.descendants().forEach(ProcessHandle::destroy);
    process.descendants().forEach(child -> child.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(e -> child).join());
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
