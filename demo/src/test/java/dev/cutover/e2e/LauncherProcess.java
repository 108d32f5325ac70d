package dev.cutover.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A `cutover` command in its own JVM (`cutover worker`, `cutover dev-server`), on this build's classpath, so a
 * test can kill it the way a crash would: SIGKILL, no shutdown hooks.
 */
final class LauncherProcess implements AutoCloseable {

  private static final Pattern WORKER_STARTED = Pattern.compile("(?s).*Started \\w+ in [0-9.]+ seconds.*");
  private static final Pattern SERVICE_LISTENING = Pattern.compile("(?s).*embedded Temporal service listening on.*");

  private final Process process;
  private final Path log;

  private LauncherProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** `cutover worker` polling the Temporal service at {@code temporalAddress}, started and polling. */
  static LauncherProcess worker(String temporalAddress, Path log) throws IOException, InterruptedException {
    return start(log, WORKER_STARTED, Map.of("CUTOVER_TEMPORAL_EMBEDDED", "true"),
        "worker", "--spring.temporal.connection.target=" + temporalAddress, "--server.port=0");
  }

  /**
   * `cutover worker` on a box: inside network namespace {@code namespace}, polling Temporal at
   * {@code temporalAddress} and also the box's own task queue ({@code CUTOVER_HOST_QUEUE}).
   */
  static LauncherProcess boxWorker(String namespace, String temporalAddress, String hostQueue, Path log)
      throws IOException, InterruptedException {
    return start(List.of("ip", "netns", "exec", namespace), log, WORKER_STARTED,
        Map.of("CUTOVER_TEMPORAL_EMBEDDED", "true", "CUTOVER_HOST_QUEUE", hostQueue),
        "worker", "--spring.temporal.connection.target=" + temporalAddress, "--server.port=0");
  }

  /** `cutover dev-server` on 127.0.0.1:{@code port}, listening. */
  static LauncherProcess devServer(int port, Path log) throws IOException, InterruptedException {
    return start(log, SERVICE_LISTENING, Map.of(), "dev-server", "--port", String.valueOf(port));
  }

  private static LauncherProcess start(Path log, Pattern ready, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    return start(List.of(), log, ready, env, args);
  }

  private static LauncherProcess start(List<String> prefix, Path log, Pattern ready, Map<String, String> env,
      String... args) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> argv = new ArrayList<>(prefix);
    argv.addAll(List.of(java, "-cp", System.getProperty("java.class.path"), "dev.cutover.demo.Launcher"));
    argv.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(env);
    long logStart = Files.exists(log) ? Files.size(log) : 0;
    LauncherProcess launched = new LauncherProcess(builder.start(), log);
    try {
      launched.await(ready, logStart, args[0]);
    } catch (IOException | InterruptedException | RuntimeException e) {
      // The caller never gets a handle to a process that failed to start, so it is stopped here.
      launched.kill();
      throw e;
    }
    return launched;
  }

  private void await(Pattern ready, long from, String what) throws IOException, InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      String text = Files.exists(log) ? Files.readString(log) : "";
      if (ready.matcher(text.substring((int) Math.min(from, text.length()))).matches()) {
        return;
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("`cutover " + what + "` exited: " + text);
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("`cutover " + what + "` did not start within 60 s: " + Files.readString(log));
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
