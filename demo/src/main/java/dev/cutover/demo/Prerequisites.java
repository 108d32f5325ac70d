package dev.cutover.demo;

import dev.cutover.cli.CliException;
import dev.cutover.cli.ExitCode;
import dev.cutover.hosts.ProcessRunner;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the demo world runs that is not Java: PostgreSQL 15+ server programs, Caddy, curl (the plan's
 * stop and start commands). Missing ones are installed with apt-get when we are root on Debian or
 * Ubuntu; otherwise the demo prints the exact command and exits 2.
 */
public final class Prerequisites {

  private static final Map<String, String> PACKAGES = Map.of("caddy", "caddy", "initdb", "postgresql",
      "pg_dump", "postgresql-client", "curl", "curl");

  private Prerequisites() {}

  public static void ensure(Consumer<String> say) {
    List<String> missing = missing();
    if (missing.isEmpty()) {
      return;
    }
    List<String> install = new ArrayList<>(List.of("apt-get", "install", "-y"));
    missing.stream().map(PACKAGES::get).distinct().forEach(install::add);
    boolean apt = Files.isExecutable(Path.of("/usr/bin/apt-get"));
    if (apt && "root".equals(System.getProperty("user.name"))) {
      say.accept("installing " + String.join(", ", missing) + ": " + String.join(" ", install));
      ProcessRunner.Result result = ProcessRunner.run(install, Map.of("DEBIAN_FRONTEND", "noninteractive"),
          Duration.ofMinutes(10));
      if (result.exitCode() == 0 && missing().isEmpty()) {
        return;
      }
      throw new CliException(ExitCode.USAGE, "apt-get could not install " + missing() + ": " + result.stderrTail());
    }
    throw new CliException(ExitCode.USAGE, "the demo needs " + String.join(", ", missing) + "; install with:\n  "
        + (apt ? "sudo " + String.join(" ", install) : "your system's packages for " + missing));
  }

  private static List<String> missing() {
    List<String> missing = new ArrayList<>();
    if (find("caddy").isEmpty()) {
      missing.add("caddy");
    }
    if (find("curl").isEmpty()) {
      missing.add("curl");
    }
    for (String program : List.of("initdb", "pg_dump")) {
      try {
        dev.cutover.database.PgTools.find(program, 15);
      } catch (RuntimeException notFound) {
        missing.add(program);
      }
    }
    return missing;
  }

  public static Path caddy() {
    return find("caddy").orElseThrow(() -> new IllegalStateException(
        "Caddy is not installed: apt-get install caddy"));
  }

  private static Optional<Path> find(String program) {
    List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
    dirs.add("/usr/bin");
    return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, program)).filter(Files::isExecutable)
        .findFirst();
  }
}
