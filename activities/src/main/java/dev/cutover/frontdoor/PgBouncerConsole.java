package dev.cutover.frontdoor;

import dev.cutover.database.Connections;
import dev.cutover.database.PgTools;
import dev.cutover.hosts.ProcessRunner;
import dev.cutover.plan.Database;
import dev.cutover.workflow.CutoverFailure;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PgBouncer's admin console, spoken to through {@code psql}. PgJDBC cannot log in there: it sends
 * {@code extra_float_digits} at startup, which the console refuses unless the operator listed it in
 * {@code ignore_startup_parameters}, while psql sends nothing the console does not know. Each command is one
 * psql run, an argument list with the password in its environment; the console speaks only the simple query
 * protocol, which is what {@code psql -c} uses.
 */
final class PgBouncerConsole {

  /** What a quick command (SHOW, RELOAD, RESUME) may take; a console that does not answer in this is down. */
  static final Duration QUICK = Duration.ofSeconds(15);
  private static final String SEPARATOR = "\u001f";

  private final Database admin;

  PgBouncerConsole(Database admin) {
    this.admin = admin;
  }

  /** The rows of a SHOW command, each keyed by column name. */
  List<Map<String, String>> show(String what) {
    String out = run("SHOW " + what);
    List<String> lines = out.lines().filter(line -> !line.isEmpty()).toList();
    if (lines.isEmpty()) {
      return List.of();
    }
    String[] columns = lines.get(0).split(SEPARATOR, -1);
    List<Map<String, String>> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] values = line.split(SEPARATOR, -1);
      Map<String, String> row = new LinkedHashMap<>();
      for (int i = 0; i < columns.length; i++) {
        row.put(columns[i], i < values.length ? values[i] : "");
      }
      rows.add(row);
    }
    return rows;
  }

  /** One setting from SHOW CONFIG, or null when this PgBouncer has no such key. */
  String setting(String key) {
    return show("CONFIG").stream().filter(row -> key.equals(row.get("key"))).map(row -> row.get("value"))
        .findFirst().orElse(null);
  }

  /** A command that changes state; fails with the console's own words. */
  void command(String command) {
    run(command);
  }

  /**
   * RESUME of one entry. "is not paused" is the state wanted, so it counts as done: a second RESUME after a
   * lost answer, or one after PgBouncer restarted (which forgets a PAUSE), must not fail the move.
   */
  void resume(String entry) {
    Attempt r = attempt(List.of("-c", "RESUME " + quote(entry)), QUICK);
    if (r.exitCode() != 0 && !r.stderr().contains("is not paused")) {
      throw failure("RESUME " + entry, r);
    }
  }

  /**
   * Starts {@code PAUSE entry} in a psql of its own and returns it running: PAUSE answers only once every
   * server connection of the entry is released, which is what the caller waits for, with its own deadline.
   * {@code timeout} runs psql so that even if this worker dies, the waiting PAUSE is ended by the system
   * instead of hanging on forever (after a RESUME it never answers at all: pgbouncer#715).
   */
  Process startPause(String entry, Duration deadline) {
    List<String> argv = new ArrayList<>();
    Path timeout = Path.of("/usr/bin/timeout");
    if (Files.isExecutable(timeout)) {
      argv.addAll(List.of(timeout.toString(), "--kill-after=2", (deadline.toSeconds() + 5) + "s"));
    }
    argv.addAll(psql(List.of("-c", "PAUSE " + quote(entry))));
    return ProcessRunner.start(argv, Connections.consoleEnv(admin));
  }

  /** The end of what a finished pause's psql wrote to stderr, for a failure message. */
  static String errorOf(Process pause) {
    try {
      return new String(pause.getErrorStream().readNBytes(600), StandardCharsets.UTF_8).strip();
    } catch (java.io.IOException e) {
      return "";
    }
  }

  /** A double-quoted identifier, the way the console reads a database name; the plan allows no quote in it. */
  static String quote(String entry) {
    return "\"" + entry.replace("\"", "\"\"") + "\"";
  }

  private String run(String command) {
    Attempt r = attempt(List.of("-c", command), QUICK);
    if (r.exitCode() != 0) {
      throw failure(command, r);
    }
    return r.stdout();
  }

  private record Attempt(int exitCode, String stdout, String stderr) {}

  private Attempt attempt(List<String> args, Duration timeout) {
    ProcessRunner.Captured r = ProcessRunner.capture(psql(args), Connections.consoleEnv(admin), timeout,
        "psql to PgBouncer's admin console", 1 << 20);
    return new Attempt(r.exitCode(), new String(r.stdout(), StandardCharsets.UTF_8), r.stderrTail());
  }

  private List<String> psql(List<String> args) {
    List<String> argv = new ArrayList<>(List.of(psqlProgram().toString(), "--no-psqlrc",
        "--no-password", "--no-align", "--field-separator=" + SEPARATOR, "--pset=footer=off",
        "--set=ON_ERROR_STOP=1"));
    argv.addAll(Connections.libpqArgs(admin, "pgbouncer"));
    argv.addAll(args);
    return argv;
  }

  private static Path psqlProgram() {
    try {
      return PgTools.find("psql", 0);
    } catch (RuntimeException notFound) {
      throw CutoverFailure.COMMAND_NOT_FOUND.failure("psql was not found on this worker; it talks to PgBouncer's"
          + " admin console: install postgresql-client", notFound);
    }
  }

  /** A refused password stays refused; anything else (PgBouncer restarting, a busy console) may pass. */
  private RuntimeException failure(String command, Attempt r) {
    String message = "PgBouncer's admin console at " + where() + " refused " + command + ": "
        + (r.stderr().isEmpty() ? "psql exited " + r.exitCode() : r.stderr());
    if (r.stderr().contains("password authentication failed") || r.stderr().contains("not allowed")
        || r.stderr().contains("no such user")) {
      return CutoverFailure.AUTH_REJECTED.failure(message + " (check databaseDoor.admin: the user must be in"
          + " PgBouncer's admin_users and the password where the plan says)");
    }
    return CutoverFailure.FRONT_DOOR_FAILED.failure(message);
  }

  String where() {
    Connections.Address a = Connections.address(admin);
    return a.host() + ":" + a.port();
  }
}
