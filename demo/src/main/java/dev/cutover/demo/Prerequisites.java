package dev.cutover.demo;

import dev.cutover.cli.CliException;
import dev.cutover.cli.ExitCode;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What the demo world runs that is not Java (PostgreSQL server programs, Caddy, curl). The list and the
 * installer are {@code scripts/prerequisites}, which the test suite and CI run too: one list, so the demo
 * can never need a package that a fresh machine's test run did not install, or the other way round.
 */
public final class Prerequisites {

  private Prerequisites() {}

  /** Runs {@code scripts/prerequisites demo}; its lines (what it installs) go to {@code say}. */
  public static void ensure(Consumer<String> say) {
    Path script = Checkout.root().resolve("scripts/prerequisites");
    if (!Files.isExecutable(script)) {
      throw new CliException(ExitCode.NEEDS_HUMAN, script + " is missing: run cutover from its checkout");
    }
    List<String> lines = new ArrayList<>();
    int exit;
    try {
      Process process = new ProcessBuilder(script.toString(), "demo").redirectErrorStream(true).start();
      process.getOutputStream().close();
      try (BufferedReader out = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) {
          String text = line.replaceFirst("^prerequisites: ", "");
          lines.add(text);
          say.accept(text);
        }
      }
      if (!process.waitFor(15, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new CliException(ExitCode.NEEDS_HUMAN, "installing the demo's packages took over 15 minutes");
      }
      exit = process.exitValue();
    } catch (IOException e) {
      throw new CliException(ExitCode.NEEDS_HUMAN, "cannot run " + script + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCode.NEEDS_HUMAN, "interrupted while checking the demo's packages", e);
    }
    if (exit != 0) {
      throw new CliException(ExitCode.USAGE, "the demo cannot run without the packages above"
          + (lines.isEmpty() ? " (" + script + " exited " + exit + ")" : ""));
    }
  }

  public static Path caddy() {
    return find("caddy").orElseThrow(() -> new IllegalStateException(
        "Caddy is not installed: scripts/prerequisites demo installs it"));
  }

  private static Optional<Path> find(String program) {
    List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)));
    dirs.add("/usr/bin");
    return dirs.stream().filter(d -> !d.isEmpty()).map(d -> Path.of(d, program)).filter(Files::isExecutable)
        .findFirst();
  }
}
