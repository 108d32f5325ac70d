package dev.cutover.hosts;

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

  public static Result run(List<String> argv, Map<String, String> extraEnv, Duration timeout) {
    long started = System.nanoTime();
    Process process = start(argv, extraEnv);
    Tail out = Tail.drain(process.getInputStream());
    Tail err = Tail.drain(process.getErrorStream());
    try {
      process.getOutputStream().close();
      if (!waitHeartbeating(process, timeout, argv.get(0))) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        throw CutoverFailure.COMMAND_FAILED.failure(
            argv.get(0) + " did not finish within " + timeout.toSeconds() + " s and was killed");
      }
      out.join();
      err.join();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw CutoverFailure.COMMAND_FAILED.failure("interrupted while running " + argv.get(0), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Result(process.exitValue(), (System.nanoTime() - started) / 1_000_000, out.text(), err.text());
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
  public static final class Tail {
    private final Thread thread;
    private final byte[] ring = new byte[TAIL_BYTES];
    private long total;

    private Tail(InputStream in) {
      thread = new Thread(() -> copy(in), "process-output");
      thread.setDaemon(true);
    }

    public static Tail drain(InputStream in) {
      Tail tail = new Tail(in);
      tail.thread.start();
      return tail;
    }

    private void copy(InputStream in) {
      byte[] buffer = new byte[8192];
      try (in) {
        for (int n; (n = in.read(buffer)) > 0; ) {
          synchronized (this) {
            for (int i = 0; i < n; i++) {
              ring[(int) (total++ % TAIL_BYTES)] = buffer[i];
            }
          }
        }
      } catch (IOException ignored) {
        // The process ended or was killed; what was read is what there is.
      }
    }

    public void join() throws InterruptedException {
      thread.join(5_000);
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
