package dev.cutover.realapps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A one-off command of an app's setup (a migration, an installer), run to completion with its output kept. */
final class SetupCommand {

  private SetupCommand() {}

  /** Runs {@code argv} in {@code dir}; its output goes to {@code log} and is returned; non-zero exit throws. */
  static String run(List<String> argv, Map<String, String> env, Path dir, Path log, Duration timeout) {
    try {
      Path out = Files.createTempFile(log.getParent(), "setup-", ".out");
      ProcessBuilder builder = new ProcessBuilder(argv).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(out.toFile());
      builder.environment().putAll(env);
      Process p = builder.start();
      boolean done = p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
      if (!done) {
        p.destroyForcibly().waitFor();
      }
      String text = Files.readString(out);
      Files.writeString(log, "$ " + String.join(" ", argv) + "\n" + text, java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      Files.delete(out);
      if (!done || p.exitValue() != 0) {
        throw new IllegalStateException(argv + (done ? " exited with " + p.exitValue() : " did not finish within "
            + timeout.toSeconds() + " s") + ": " + text.substring(Math.max(0, text.length() - 2000)));
      }
      return text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
