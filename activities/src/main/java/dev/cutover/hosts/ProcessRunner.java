package dev.cutover.hosts;

import dev.cutover.plan.Durations;
import dev.cutover.support.Heartbeats;
import dev.cutover.workflow.CutoverFailure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one argument list as a child process: no shell, so nothing in an argument is ever interpreted.
 * Keeps only the tail of each output stream, which is what a step's detail needs.
 */
public final class ProcessRunner {

  static final int TAIL_BYTES = 600;

  private ProcessRunner() {}

  public record Result(int exitCode, long millis, String stdoutTail, String stderrTail) {}

  /** A run whose whole stdout (up to a cap) was kept: for reading a file or a header through a command. */
  public record Captured(int exitCode, byte[] stdout, boolean truncated, String stderrTail) {}

  public static Result run(List<String> argv, Map<String, String> extraEnv, Duration timeout) {
    return run(argv, extraEnv, timeout, argv.isEmpty() ? "" : argv.get(0));
  }

  /** {@code label} names the command in a timeout message, e.g. "ssh to ops@home" rather than "ssh". */
  public static Result run(List<String> argv, Map<String, String> extraEnv, Duration timeout, String label) {
    long started = System.nanoTime();
    Tail out = new Tail();
    Tail err = new Tail();
    int exit = execute(argv, extraEnv, timeout, label, out, err);
    return new Result(exit, (System.nanoTime() - started) / 1_000_000, out.text(), err.text());
  }

  /** Like {@link #run} but keeps stdout whole up to {@code maxBytes}; nothing of it goes into messages. */
  public static Captured capture(
      List<String> argv, Map<String, String> extraEnv, Duration timeout, String label, int maxBytes) {
    Head out = new Head(maxBytes);
    Tail err = new Tail();
    int exit = execute(argv, extraEnv, timeout, label, out, err);
    return new Captured(exit, out.bytes(), out.truncated(), err.text());
  }

  private static int execute(List<String> argv, Map<String, String> extraEnv, Duration timeout, String label,
      Sink out, Sink err) {
    Process process = start(argv, extraEnv);
    Thread outThread = drain(process.getInputStream(), out);
    Thread errThread = drain(process.getErrorStream(), err);
    try {
      process.getOutputStream().close();
      if (!waitHeartbeating(process, timeout, argv.get(0))) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw CutoverFailure.COMMAND_FAILED.failure(
            label + " did not finish within " + Durations.format(timeout) + " and was killed");
      }
      outThread.join(5_000);
      errThread.join(5_000);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw CutoverFailure.COMMAND_FAILED.failure("interrupted while running " + label, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return process.exitValue();
  }

  /** Where a child's output goes, chunk by chunk, from its own reading thread. */
  private interface Sink {
    void accept(byte[] buffer, int length);
  }

  private static Thread drain(InputStream in, Sink sink) {
    Thread thread = new Thread(() -> {
      byte[] buffer = new byte[8192];
      try (in) {
        for (int n; (n = in.read(buffer)) > 0; ) {
          sink.accept(buffer, n);
        }
      } catch (IOException ignored) {
        // The process ended or was killed; what was read is what there is.
      }
    }, "process-output");
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /** Keeps the first bytes of a stream and reads on past the cap, so the child never blocks on a full pipe. */
  private static final class Head implements Sink {
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final int max;
    private boolean truncated;

    Head(int max) {
      this.max = max;
    }

    @Override
    public synchronized void accept(byte[] buffer, int length) {
      int room = max - kept.size();
      kept.write(buffer, 0, Math.max(0, Math.min(room, length)));
      truncated |= length > room;
    }

    synchronized byte[] bytes() {
      return kept.toByteArray();
    }

    synchronized boolean truncated() {
      return truncated;
    }
  }

  /**
   * Waits for the process, heartbeating every second, so a worker that dies while a command runs is
   * noticed within the activity's heartbeat timeout rather than its start-to-close timeout.
   */
  public static boolean waitHeartbeating(Process process, Duration timeout, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      if (process.waitFor(Math.min(left, 1_000_000_000L), TimeUnit.NANOSECONDS)) {
        return true;
      }
      Heartbeats.send("waiting for " + what);
    }
  }

  public static Process start(List<String> argv, Map<String, String> extraEnv) {
    if (argv.isEmpty()) {
      throw CutoverFailure.INVALID_PLAN.failure("empty command");
    }
    ProcessBuilder builder = new ProcessBuilder(argv);
    builder.environment().putAll(extraEnv);
    try {
      return builder.start();
    } catch (IOException e) {
      throw CutoverFailure.COMMAND_NOT_FOUND.failure(
          "cannot run " + argv.get(0) + ": " + e.getMessage(), e);
    }
  }

  /** Reads a stream to its end on its own thread, keeping the last {@link #TAIL_BYTES} bytes. */
  public static final class Tail implements Sink {
    private final byte[] ring = new byte[TAIL_BYTES];
    private long total;
    private Thread thread;

    private Tail() {}

    public static Tail drain(InputStream in) {
      Tail tail = new Tail();
      tail.thread = ProcessRunner.drain(in, tail);
      return tail;
    }

    @Override
    public synchronized void accept(byte[] buffer, int length) {
      for (int i = 0; i < length; i++) {
        ring[(int) (total++ % TAIL_BYTES)] = buffer[i];
      }
    }

    public void join() throws InterruptedException {
      if (thread != null) {
        thread.join(5_000);
      }
    }

    public synchronized String text() {
      int length = (int) Math.min(total, TAIL_BYTES);
      ByteArrayOutputStream out = new ByteArrayOutputStream(length);
      for (long i = total - length; i < total; i++) {
        out.write(ring[(int) (i % TAIL_BYTES)]);
      }
      return out.toString(StandardCharsets.UTF_8).strip();
    }
  }
}
