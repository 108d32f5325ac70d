package dev.cutover.realapps;

import dev.cutover.demo.Supervised;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real app's server as its box's service manager runs it: one foreground process (and whatever worker
 * processes it forks), started with an argument list, its output in a log file. {@link #start()} returns
 * once the app answers its readiness URL, as a unit with a readiness check would; {@link #stop()} sends
 * SIGTERM to the process and its children and returns once all of them have exited, so a stopped app can
 * no longer write.
 */
final class AppProcess implements Supervised {

  private static final Duration STOP_GRACE = Duration.ofSeconds(20);

  private final String name;
  private final List<String> argv;
  private final Map<String, String> env;
  private final Path workDir;
  private final Path log;
  private final URI ready;
  private final Duration bootTimeout;
  private final Runnable beforeStart;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private volatile Process process;
  private volatile long lastBootMillis = -1;

  /**
   * @param ready a URL on loopback that answers 2xx once the app serves requests
   * @param beforeStart what the unit does before each start (e.g. removing a stale pid file)
   */
  AppProcess(String name, List<String> argv, Map<String, String> env, Path workDir, Path log, URI ready,
      Duration bootTimeout, Runnable beforeStart) {
    this.name = name;
    this.argv = List.copyOf(argv);
    this.env = Map.copyOf(env);
    this.workDir = workDir;
    this.log = log;
    this.ready = ready;
    this.bootTimeout = bootTimeout;
    this.beforeStart = beforeStart;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      return;
    }
    beforeStart.run();
    long started = System.nanoTime();
    try {
      ProcessBuilder builder = new ProcessBuilder(argv).directory(workDir.toFile()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().putAll(env);
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("starting " + name + ": " + argv, e);
    }
    long deadline = started + bootTimeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited with " + process.exitValue() + " while booting: " + logTail());
      }
      if (answers()) {
        lastBootMillis = (System.nanoTime() - started) / 1_000_000;
        return;
      }
      pause(50);
    }
    stop();
    throw new IllegalStateException(name + " did not answer " + ready + " within " + bootTimeout.toSeconds() + " s: "
        + logTail());
  }

  private boolean answers() {
    try {
      HttpResponse<Void> r = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.discarding());
      return r.statusCode() / 100 == 2;
    } catch (IOException notYet) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  @Override
  public synchronized void stop() {
    if (process == null) {
      return;
    }
    // Children first in the list so none is orphaned when the parent goes; every one gets SIGTERM.
    List<ProcessHandle> all = new java.util.ArrayList<>(process.descendants().toList());
    all.add(process.toHandle());
    all.forEach(ProcessHandle::destroy);
    long deadline = System.nanoTime() + STOP_GRACE.toNanos();
    for (ProcessHandle p : all) {
      try {
        p.onExit().get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (Exception stillThere) {
        p.destroyForcibly();
      }
    }
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  @Override
  public boolean running() {
    Process p = process;
    return p != null && p.isAlive();
  }

  /** How long the last start took until the app answered, or -1 before the first. */
  long lastBootMillis() {
    return lastBootMillis;
  }

  String logTail() {
    try {
      String text = Files.exists(log) ? Files.readString(log) : "";
      return text.substring(Math.max(0, text.length() - 2000));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
