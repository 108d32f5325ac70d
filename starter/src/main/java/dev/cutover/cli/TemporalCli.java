package dev.cutover.cli;

import dev.cutover.workflow.CutoverSearchAttributes;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The Temporal CLI's dev server ({@code temporal server start-dev}), when the CLI is installed: unlike the
 * embedded service it keeps its history in a SQLite file, so a restart loses no move, and it has the web UI.
 */
final class TemporalCli {

  private TemporalCli() {}

  /** The {@code temporal} executable on {@code path} (a PATH-style list), if any. */
  static Optional<Path> find(String path) {
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, "temporal");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /**
   * The argument list: loopback only, the given port (the web UI on the CLI's own default, port + 1000), the
   * state file, the default namespace, and cutover's two search attributes, so `start` needs no fallback.
   */
  static List<String> startDev(Path temporal, int port, Path state) {
    return List.of(temporal.toString(), "server", "start-dev", "--ip", "127.0.0.1", "--port", String.valueOf(port),
        "--db-filename", state.toString(), "--namespace", "default",
        "--search-attribute", CutoverSearchAttributes.APP.getName() + "=Keyword",
        "--search-attribute", CutoverSearchAttributes.PHASE.getName() + "=Keyword");
  }
}
