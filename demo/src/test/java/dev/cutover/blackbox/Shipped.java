package dev.cutover.blackbox;

import dev.cutover.demo.Checkout;
import dev.cutover.hosts.ShellQuoting;
import dev.cutover.testing.Ports;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The shipped {@code ./cutover} at the checkout's root, run as a separate OS process the way a shell
 * script runs it: its own stdout, stderr and exit code, nothing shared with the test's JVM. It runs the
 * jar Maven has just packaged ({@code CUTOVER_NO_BUILD}), and never inherits the test's Temporal settings.
 */
final class Shipped {

  static final Path LAUNCHER = Checkout.root().resolve("cutover");

  /** What one finished run printed and returned. */
  record Result(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private Shipped() {}

  static Map<String, String> env(String temporalAddress) {
    Map<String, String> env = new HashMap<>();
    env.put("CUTOVER_NO_BUILD", "1");
    if (temporalAddress != null) {
      env.put("TEMPORAL_ADDRESS", temporalAddress);
    }
    return env;
  }

  static List<String> argv(String... args) {
    List<String> argv = new ArrayList<>(List.of(LAUNCHER.toString()));
    argv.addAll(List.of(args));
    return argv;
  }

  /** Runs {@code ./cutover args...} to its end, with stdout and stderr piped (not a terminal). */
  static Result run(Map<String, String> env, Duration timeout, String... args) throws IOException, InterruptedException {
    try (Running running = Running.start(env, argv(args))) {
      return running.result(timeout);
    }
  }

  /** Runs {@code ./cutover args...} on a pseudo-terminal (util-linux {@code script}), as a person at a terminal. */
  static Result onTerminal(Map<String, String> env, Duration timeout, String... args)
      throws IOException, InterruptedException {
    try (Running running = Running.start(env, terminal(args))) {
      return running.result(timeout);
    }
  }

  /**
   * The argument list that runs {@code ./cutover args...} on a pseudo-terminal. {@code script} takes one
   * command line for a shell, so every argument is single-quoted: nothing in it is interpreted.
   */
  static List<String> terminal(String... args) {
    return List.of("script", "--quiet", "--return", "--command", ShellQuoting.commandLine(argv(args)), "/dev/null");
  }

  /**
   * A free port on loopback (closed again: the process under test binds it), below the kernel's ephemeral
   * range, so no outgoing connection of another test can take it before that bind.
   */
  static int freePort() throws IOException {
    return Ports.free();
  }

  /** A process of the shipped launcher that outlives one call: a dev-server, a worker, a watch. */
  static final class Running implements AutoCloseable {
    private final Process process;
    private final Path out;
    private final Path err;

    private Running(Process process, Path out, Path err) {
      this.process = process;
      this.out = out;
      this.err = err;
    }

    static Running start(Map<String, String> env, List<String> argv) throws IOException {
      Path out = Files.createTempFile("cutover-out-", ".txt");
      Path err = Files.createTempFile("cutover-err-", ".txt");
      ProcessBuilder builder = new ProcessBuilder(argv).redirectOutput(out.toFile()).redirectError(err.toFile());
      builder.environment().remove("TEMPORAL_ADDRESS");
      builder.environment().remove("TEMPORAL_NAMESPACE");
      builder.environment().remove("TEMPORAL_API_KEY");
      builder.environment().putAll(env);
      return new Running(builder.start(), out, err);
    }

    long pid() {
      return process.pid();
    }

    String out() throws IOException {
      return Files.readString(out, StandardCharsets.UTF_8);
    }

    String err() throws IOException {
      return Files.readString(err, StandardCharsets.UTF_8);
    }

    /** Writes to the process's standard input (on a terminal: what a person types, e.g. Ctrl-C). */
    void type(String text) throws IOException {
      process.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    }

    /** Polls the output until {@code text} appears; fails with both outputs when it does not in time. */
    String awaitOut(String text, Duration timeout) throws IOException, InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (System.nanoTime() < deadline) {
        String now = out();
        if (now.contains(text)) {
          return now;
        }
        if (!process.isAlive() && !out().contains(text)) {
          throw new AssertionError("the process ended (exit " + process.exitValue() + ") without printing '" + text
              + "'\n--- stdout\n" + out() + "--- stderr\n" + err());
        }
        Thread.sleep(100);
      }
      throw new AssertionError("no '" + text + "' within " + timeout.toSeconds() + " s\n--- stdout\n" + out()
          + "--- stderr\n" + err());
    }

    /** Sends a signal by name (INT is what Ctrl-C sends to the foreground process). */
    void signal(String name) throws IOException, InterruptedException {
      Process kill = new ProcessBuilder("kill", "-s", name, Long.toString(process.pid())).start();
      if (kill.waitFor() != 0) {
        throw new IOException("kill -s " + name + " " + process.pid() + " failed");
      }
    }

    /** Waits for the end; a process still running after {@code timeout} is killed and the test fails. */
    int waitFor(Duration timeout) throws IOException, InterruptedException {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        // Read before close(), which deletes the files: the failure must say what the process printed.
        String printed = "--- stdout\n" + out() + "--- stderr\n" + err();
        close();
        throw new AssertionError("still running after " + timeout.toSeconds() + " s\n" + printed);
      }
      return process.exitValue();
    }

    /** Waits for the end and returns what it printed. */
    Result result(Duration timeout) throws IOException, InterruptedException {
      int code = waitFor(timeout);
      return new Result(code, out(), err());
    }

    boolean alive() {
      return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
      try {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      } catch (IOException ignored) {
        // temp files; the OS cleans its temp directory
      }
    }
  }
}
