package dev.cutover.cli;

import dev.cutover.plan.Fleet;
import dev.cutover.plan.FleetParser;
import dev.cutover.plan.Plan;
import dev.cutover.plan.PlanError;
import dev.cutover.plan.PlanException;
import dev.cutover.plan.PlanParser;
import dev.cutover.plan.PlanSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** Reads and parses a plan file; every problem becomes one message listing all errors, exit 2. */
final class PlanFiles {

  /**
   * A plan names two boxes and a few dozen commands and guards: a few kilobytes. Anything near this size
   * is the wrong file (a dump, a log): a 50 MB one kept `validate` silent for five minutes. The plan also
   * travels in the workflow's input, and Temporal refuses payloads past 2 MB by default.
   */
  static final long MAX_BYTES = 1 << 20;

  private PlanFiles() {}

  static Plan load(Path file) {
    String text = read(file);
    try {
      return PlanParser.parse(text, file.toString());
    } catch (PlanException e) {
      throw invalid(e, file);
    }
  }

  /** A plan file or a fleet file, told apart by the fleet file's {@code fleet} key. */
  record Loaded(Plan plan, Fleet fleet) {}

  static Loaded loadPlanOrFleet(Path file) {
    String text = read(file);
    if (!FleetParser.isFleet(text)) {
      try {
        return new Loaded(PlanParser.parse(text, file.toString()), null);
      } catch (PlanException e) {
        throw invalid(e, file);
      }
    }
    try {
      return new Loaded(null, FleetParser.parse(text, file.toString(), planBeside(file)));
    } catch (PlanException e) {
      throw invalid(e, file);
    }
  }

  /** The plans a fleet file lists, each path taken relative to the fleet file's folder. */
  private static PlanSource planBeside(Path fleetFile) {
    Path folder = fleetFile.toAbsolutePath().getParent();
    return path -> {
      Path plan = fleetFile.getParent() == null ? Path.of(path) : fleetFile.getParent().resolve(path);
      if (!Files.exists(plan)) {
        throw new PlanSource.Unreadable("no such plan file (looked for " + folder.resolve(path).normalize() + ")");
      }
      try {
        return new PlanSource.Text(plan.toString(), read(plan));
      } catch (CliException e) {
        throw new PlanSource.Unreadable(e.getMessage());
      }
    };
  }

  private static CliException invalid(PlanException e, Path file) {
    int n = e.errors().size();
    return new CliException(ExitCode.USAGE,
        e.errors().stream().map(PlanError::toString).collect(Collectors.joining("\n"))
            + "\n" + n + (n == 1 ? " error" : " errors") + " in " + file);
  }

  private static String read(Path file) {
    byte[] bytes;
    try {
      if (Files.isDirectory(file)) {
        throw new CliException(ExitCode.USAGE, file + ": is a directory, not a plan file");
      }
      long size = Files.size(file);
      if (size > MAX_BYTES) {
        throw new CliException(ExitCode.USAGE, file + ": " + size + " bytes; a plan file is at most "
            + MAX_BYTES / 1024 + " KiB (a plan is a few KiB of YAML: is this the right file?)");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new CliException(ExitCode.USAGE, file + ": no such plan file");
    } catch (IOException e) {
      throw new CliException(ExitCode.USAGE, file + ": cannot read: " + e.getMessage());
    }
    return decode(file, bytes);
  }

  /** UTF-8, strictly: a byte that is not names its line and column, as a YAML error would. */
  static String decode(Path file, byte[] bytes) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      int at = in.position();
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < at; i++) {
        if (bytes[i] == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      // Columns count characters, as an editor shows them: decode the line's good start to count them.
      int column = new String(bytes, lineStart, at - lineStart, StandardCharsets.UTF_8).length() + 1;
      throw new CliException(ExitCode.USAGE, String.format("%s:%d: not UTF-8: byte 0x%02X at column %d cannot"
          + " start or continue a character; a plan file must be UTF-8 text", file, line, bytes[at] & 0xff, column));
    }
    decoder.flush(out);
    out.flip();
    String text = out.toString();
    // A byte-order mark is not part of the YAML.
    return text.startsWith("\uFEFF") ? text.substring(1) : text;
  }
}
