package dev.cutover.database;

import dev.cutover.hosts.ProcessRunner;
import dev.cutover.workflow.CutoverFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds PostgreSQL's client and server programs. Debian keeps each major version under
 * {@code /usr/lib/postgresql/N/bin} and puts a version-picking wrapper on PATH; the versioned
 * directories are preferred so a dump is never taken by a client older than the server.
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

  public static int major(Path program) {
    ProcessRunner.Result r = ProcessRunner.run(List.of(program.toString(), "--version"), Map.of(), Duration.ofSeconds(10));
    Matcher m = VERSION.matcher(r.stdoutTail().replaceAll("^[^0-9]*", ""));
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
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
