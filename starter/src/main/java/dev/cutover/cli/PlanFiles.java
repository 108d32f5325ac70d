package dev.cutover.cli;

import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanError;
import dev.cutover.plan.PlanException;
import dev.cutover.plan.PlanParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** Reads and parses a plan file; every problem becomes one message listing all errors, exit 2. */
final class PlanFiles {

  private PlanFiles() {}

  static Plan load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new CliException(ExitCode.USAGE, file + ": no such plan file");
    } catch (IOException e) {
      throw new CliException(ExitCode.USAGE, file + ": cannot read: " + e.getMessage());
    }
    try {
      return PlanParser.parse(text, file.toString());
    } catch (PlanException e) {
      int n = e.errors().size();
      throw new CliException(
          ExitCode.USAGE,
          e.errors().stream().map(PlanError::toString).collect(Collectors.joining("\n"))
              + "\n" + n + (n == 1 ? " error" : " errors") + " in " + file);
    }
  }
}
