package dev.cutover.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A worker in its own JVM (`cutover worker`), so a test can kill it the way a crash would: SIGKILL. */
final class WorkerProcess implements AutoCloseable {

  private final Process process;
  private final Path log;

  private WorkerProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  static WorkerProcess start(String temporalAddress, Path log) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        "dev.cutover.demo.Launcher", "worker",
        "--spring.temporal.connection.target=" + temporalAddress, "--server.port=0"))
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().put("CUTOVER_TEMPORAL_EMBEDDED", "true");
    WorkerProcess worker = new WorkerProcess(builder.start(), log);
    try {
      worker.awaitStarted();
    } catch (IOException | InterruptedException | RuntimeException e) {
      // The caller never gets a handle to a worker that failed to start, so it is stopped here.
      worker.kill();
      throw e;
    }
    return worker;
  }

  private void awaitStarted() throws IOException, InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      if (Files.exists(log) && Files.readString(log).matches("(?s).*Started \\w+ in [0-9.]+ seconds.*")) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("the worker exited: " + Files.readString(log));
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("the worker did not start within 60 s: " + Files.readString(log));
  }

  /** SIGKILL: no shutdown hooks, no graceful stop, exactly like a crash or an OOM kill. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }
}
