package dev.cutover.database;

import dev.cutover.hosts.ProcessRunner;
import dev.cutover.workflow.CutoverFailure;
import io.temporal.failure.ApplicationFailure;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds PostgreSQL's client and server programs, and runs the libpq tools (pg_dump, pg_restore) to their
 * end. Debian keeps each major version under {@code /usr/lib/postgresql/N/bin} and puts a version-picking
 * wrapper on PATH; the versioned directories are preferred so a dump is never taken by a client older than
 * the server.
 */
public final class PgTools {

  private static final Pattern VERSION = Pattern.compile("(\\d+)(?:\\.(\\d+))?");

  private PgTools() {}

  /** The program from the newest installed major version at least {@code minMajor}. */
  public static Path find(String program, int minMajor) {
    for (Path dir : binDirectories()) {
      Path candidate = dir.resolve(program);
      if (Files.isExecutable(candidate) && major(candidate) >= minMajor) {
        return candidate;
      }
    }
    throw CutoverFailure.VERSION_INCOMPATIBLE.failure(
        program + " for PostgreSQL " + minMajor + " or newer was not found on this worker (looked in "
            + binDirectories() + "); install postgresql-client-" + minMajor + " or newer");
  }

  /** Versions already asked, by program and its file's modification time (an upgrade in place changes it). */
  private static final Map<String, Integer> MAJORS = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * The program's major version, from {@code --version}. Asked once per program file: each copy inside a
   * freeze otherwise ran a process for it (20-40 ms on a busy box).
   */
  public static int major(Path program) {
    String key;
    try {
      key = program + "@" + Files.getLastModifiedTime(program).toMillis();
    } catch (IOException e) {
      key = null;
    }
    if (key == null) {
      return askMajor(program);
    }
    return MAJORS.computeIfAbsent(key, k -> askMajor(program));
  }

  private static int askMajor(Path program) {
    ProcessRunner.Result r = ProcessRunner.run(List.of(program.toString(), "--version"), Map.of(), Duration.ofSeconds(10));
    Matcher m = VERSION.matcher(r.stdoutTail().replaceAll("^[^0-9]*", ""));
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }

  /**
   * Runs a tool to its end, calling {@code tick} about every second (heartbeats); stderr lines go to
   * {@code lines} and the last few are kept for the error message.
   */
  /**
   * A failed copy, typed by what retrying can fix: a full disk (a tool's "No space left on device", the
   * server's SQLSTATE 53100) fails at once instead of being retried inside the blackout.
   */
  static ApplicationFailure copyFailed(String message, Throwable cause) {
    String text = message + (cause == null ? "" : " " + cause.getMessage());
    if (text.contains("No space left on device") || text.contains("could not extend file")
        || (cause instanceof java.sql.SQLException sql && "53100".equals(sql.getSQLState()))) {
      return CutoverFailure.DISK_FULL.failure(message + " (the disk is full: make room, then start again)", cause);
    }
    return CutoverFailure.COPY_FAILED.failure(message, cause);
  }

  static void run(List<String> argv, Map<String, String> env, String what, Consumer<String> lines,
      Runnable tick) {
    Process process = ProcessRunner.start(argv, env);
    Deque<String> tail = new ArrayDeque<>();
    Thread reader = new Thread(() -> readLines(process.getErrorStream(), lines, tail), what + "-stderr");
    reader.setDaemon(true);
    reader.start();
    ProcessRunner.Tail out = ProcessRunner.Tail.drain(process.getInputStream());
    try {
      process.getOutputStream().close();
      while (!process.waitFor(1, TimeUnit.SECONDS)) {
        tick.run();
      }
      reader.join(5_000);
      out.join();
      if (process.exitValue() != 0) {
        String errors;
        synchronized (tail) {
          errors = String.join("\n", tail);
        }
        throw PgTools.copyFailed(what + " exited " + process.exitValue() + ": " + errors, null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PgTools.copyFailed(what + " interrupted", e);
    } catch (IOException e) {
      throw PgTools.copyFailed(what + ": " + e.getMessage(), e);
    } finally {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  private static void readLines(InputStream in, Consumer<String> lines, Deque<String> tail) {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = reader.readLine()) != null; ) {
        if (lines != null) {
          lines.accept(line);
        }
        // Verbose progress lines would push the error out of the tail; keep the rest.
        if (!line.startsWith("pg_restore: processing") && !line.contains("finished item")
            && !line.startsWith("pg_restore: launching")) {
          synchronized (tail) {
            tail.addLast(line);
            while (tail.size() > 12) {
              tail.removeFirst();
            }
          }
        }
      }
    } catch (IOException ignored) {
      // The process ended or was killed; what was read is what there is.
    }
  }

  static List<Path> binDirectories() {
    List<Path> dirs = new ArrayList<>();
    Optional.ofNullable(System.getenv("CUTOVER_PG_BIN")).map(Path::of).ifPresent(dirs::add);
    Path debian = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(debian)) {
      try (Stream<Path> versions = Files.list(debian)) {
        versions
            .filter(p -> p.getFileName().toString().matches("\\d+"))
            .sorted(Comparator.comparingInt((Path p) -> Integer.parseInt(p.getFileName().toString())).reversed())
            .map(p -> p.resolve("bin"))
            .filter(Files::isDirectory)
            .forEach(dirs::add);
      } catch (IOException ignored) {
        // An unreadable directory simply offers no programs.
      }
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty()) {
        dirs.add(Path.of(dir));
      }
    }
    return dirs;
  }
}
