package dev.cutover.frontdoor;

import dev.cutover.workflow.CutoverFailure;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The one line of a PgBouncer ini file that defines the app's database entry, in its {@code [databases]}
 * section. Only that line's {@code host}, {@code port} and {@code dbname} are ever changed; the rest of the
 * line (pool_size, user, ...) and of the file are kept byte for byte. A change is written to a temporary
 * file beside it and renamed over it, so PgBouncer, reloading at any moment, reads either the old file or
 * the new one, never half of one.
 */
final class EntryFile {

  /** Where an entry leads; {@code null} parts are absent from the line (PgBouncer's defaults apply). */
  record Address(String host, String port, String dbname) {
    String describe() {
      return host + ":" + port + "/" + dbname;
    }
  }

  private final Path file;
  private final String entry;

  EntryFile(Path file, String entry) {
    this.file = file;
    this.entry = entry;
  }

  Path file() {
    return file;
  }

  /** What the file says now; fails when the entry is not in it exactly once. */
  Address read() {
    List<String> lines = lines();
    String line = lines.get(index(lines));
    List<String> parts = tokens(line.substring(line.indexOf('=') + 1));
    return new Address(value(parts, "host"), value(parts, "port"), value(parts, "dbname"));
  }

  /** Preflight: the worker must be able to replace the file, which means writing into its directory. */
  String whyNotWritable() {
    Path dir = file.toAbsolutePath().getParent();
    if (!Files.isReadable(file)) {
      return "cannot read " + file + " on this worker";
    }
    if (dir == null || !Files.isWritable(dir)) {
      return "cannot write into " + dir + " on this worker (the file is replaced by a rename beside it)";
    }
    return null;
  }

  /** Points the entry at {@code to}; true when the file changed, false when it already said so. */
  boolean point(Address to) {
    List<String> lines = lines();
    int at = index(lines);
    String line = lines.get(at);
    List<String> parts = new ArrayList<>(tokens(line.substring(line.indexOf('=') + 1)));
    set(parts, "host", to.host());
    set(parts, "port", to.port());
    set(parts, "dbname", to.dbname());
    String replaced = entry + " = " + String.join(" ", parts);
    if (replaced.equals(line.strip())) {
      return false;
    }
    lines.set(at, replaced);
    replace(String.join("\n", lines) + "\n");
    return true;
  }

  private List<String> lines() {
    try {
      return new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw CutoverFailure.FRONT_DOOR_FAILED.failure("cannot read PgBouncer's " + file + ": " + e.getMessage(), e);
    }
  }

  /** The line of the entry inside {@code [databases]}; names are case-sensitive there, as in PgBouncer. */
  private int index(List<String> lines) {
    String section = "";
    List<Integer> found = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.startsWith("[") && line.endsWith("]")) {
        section = line.substring(1, line.length() - 1).strip().toLowerCase();
      } else if (section.equals("databases") && line.contains("=") && !line.startsWith(";") && !line.startsWith("#")
          && line.substring(0, line.indexOf('=')).strip().equals(entry)) {
        found.add(i);
      }
    }
    if (found.size() != 1) {
      throw CutoverFailure.INVALID_PLAN.failure(found.isEmpty()
          ? "PgBouncer's " + file + " has no line for the database " + entry + " in its [databases] section;"
              + " databaseDoor.configFile must name the file that holds it"
          : file + " defines the database " + entry + " " + found.size() + " times; PgBouncer uses one of them,"
              + " cutover will not guess which");
    }
    return found.get(0);
  }

  /** {@code key=value} pairs; a value may be single-quoted with spaces inside, as libpq allows. */
  static List<String> tokens(String connectString) {
    List<String> parts = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < connectString.length(); i++) {
      char c = connectString.charAt(i);
      if (c == '\\' && quoted && i + 1 < connectString.length()) {
        current.append(c).append(connectString.charAt(++i));
      } else if (c == '\'') {
        quoted = !quoted;
        current.append(c);
      } else if (Character.isWhitespace(c) && !quoted) {
        if (current.length() > 0) {
          parts.add(current.toString());
          current.setLength(0);
        }
      } else {
        current.append(c);
      }
    }
    if (current.length() > 0) {
      parts.add(current.toString());
    }
    return parts;
  }

  private static String value(List<String> parts, String key) {
    return parts.stream().filter(p -> p.startsWith(key + "=")).map(p -> p.substring(key.length() + 1))
        .map(v -> v.length() >= 2 && v.startsWith("'") && v.endsWith("'") ? v.substring(1, v.length() - 1) : v)
        .findFirst().orElse(null);
  }

  private static void set(List<String> parts, String key, String value) {
    for (int i = 0; i < parts.size(); i++) {
      if (parts.get(i).startsWith(key + "=")) {
        parts.set(i, key + "=" + value);
        return;
      }
    }
    parts.add(key + "=" + value);
  }

  /** Temporary file, same owner and mode as the original (PgBouncer must still read it), fsync, rename. */
  private void replace(String content) {
    Path dir = file.toAbsolutePath().getParent();
    Path temp = dir.resolve("." + file.getFileName() + ".cutover-" + UUID.randomUUID());
    try {
      Files.writeString(temp, content, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW);
      PosixFileAttributeView view = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
      if (view != null) {
        PosixFileAttributes original = Files.readAttributes(file, PosixFileAttributes.class);
        view.setPermissions(original.permissions());
        try {
          view.setOwner(original.owner());
          view.setGroup(original.group());
        } catch (IOException notAllowed) {
          // A worker that is not root keeps its own ownership; readable as long as the mode allows.
        }
      }
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw CutoverFailure.FRONT_DOOR_FAILED.failure("cannot replace " + file + " atomically: " + e.getMessage(), e);
      }
    } catch (IOException e) {
      throw CutoverFailure.FRONT_DOOR_FAILED.failure("cannot rewrite PgBouncer's " + file + ": " + e.getMessage(), e);
    } finally {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException ignored) {
        // Left behind only if the rename failed; its name says who made it.
      }
    }
  }
}
