package dev.cutover.database;

import dev.cutover.plan.Database;
import dev.cutover.workflow.CutoverFailure;
import io.temporal.failure.ApplicationFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.postgresql.Driver;

/**
 * Turns a plan's {@link Database} into a connection. This is the one place a password is read: from the
 * worker's environment or a file on the worker, at the moment of connecting, and never returned.
 */
public final class Connections {

  /**
   * The mover's sessions opt out of the fence ({@link Fence}): a fenced database defaults new sessions
   * to read-only, and the target is fenced from its creation, so only the mover (the copy, the restore
   * tools, the fence itself) ever writes to a database that is not serving.
   */
  static final String MOVER_OPTIONS = "-c default_transaction_read_only=off";

  private Connections() {}

  /** Host, port and database name, as libpq tools (pg_dump, pg_restore) want them. */
  public record Address(String host, int port, String database) {}

  public static Address address(Database db) {
    Properties parsed = Driver.parseURL(db.url(), null);
    if (parsed == null) {
      throw CutoverFailure.INVALID_PLAN.failure("not a PostgreSQL JDBC URL: " + db.url());
    }
    String host = parsed.getProperty("PGHOST", "localhost");
    String port = parsed.getProperty("PGPORT", "5432");
    return new Address(host, Integer.parseInt(port.split(",")[0]), parsed.getProperty("PGDBNAME"));
  }

  /**
   * The failure for a database error, typed by what retrying can fix: a database that does not exist
   * or a password the server rejects stays wrong however often it is tried, so those are permanent.
   */
  public static ApplicationFailure failure(String what, SQLException e) {
    String message = what + ": " + e.getMessage();
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    return switch (state) {
      case "3D000" -> CutoverFailure.DATABASE_MISSING.failure(message, e);
      case "28P01", "28000" -> CutoverFailure.AUTH_REJECTED.failure(message, e);
      case "53100" -> CutoverFailure.DISK_FULL.failure(message, e);
      default -> CutoverFailure.DATABASE_UNAVAILABLE.failure(message, e);
    };
  }

  public static Connection open(Database db) throws SQLException {
    return DriverManager.getConnection(db.url(), properties(db));
  }

  /** What an activity does with one open connection. */
  @FunctionalInterface
  public interface Work<T> {
    T on(Connection c) throws SQLException;
  }

  /** {@link Work} with nothing to return. */
  @FunctionalInterface
  public interface Action {
    void on(Connection c) throws SQLException;
  }

  /**
   * Opens {@code db}, does {@code work} and closes the connection; a database error becomes
   * {@link #failure}, {@code what} saying what was being done ("fencing home").
   */
  public static <T> T call(Database db, String what, Work<T> work) {
    return call(Connections::open, db, what, work);
  }

  public static void run(Database db, String what, Action action) {
    call(db, what, asWork(action));
  }

  /** {@link #call} on the server's maintenance database, where the database itself may not exist. */
  public static <T> T callMaintenance(Database db, String what, Work<T> work) {
    return call(Connections::openMaintenance, db, what, work);
  }

  public static void runMaintenance(Database db, String what, Action action) {
    callMaintenance(db, what, asWork(action));
  }

  private interface Opener {
    Connection open(Database db) throws SQLException;
  }

  private static <T> T call(Opener opener, Database db, String what, Work<T> work) {
    try (Connection c = opener.open(db)) {
      return work.on(c);
    } catch (SQLException e) {
      throw failure(what, e);
    }
  }

  private static Work<Void> asWork(Action action) {
    return c -> {
      action.on(c);
      return null;
    };
  }

  /** A connection to the same server's maintenance database, for CREATE and DROP DATABASE. */
  public static Connection openMaintenance(Database db) throws SQLException {
    Address a = address(db);
    return DriverManager.getConnection(
        "jdbc:postgresql://" + a.host() + ":" + a.port() + "/postgres", properties(db));
  }

  /** Connection options for libpq tools; the password goes in their environment, not on argv. */
  public static List<String> libpqArgs(Database db, String databaseName) {
    Address a = address(db);
    List<String> args = new ArrayList<>();
    args.add("--host=" + a.host());
    args.add("--port=" + a.port());
    args.add("--username=" + db.user());
    args.add("--dbname=" + (databaseName == null ? a.database() : databaseName));
    return args;
  }

  /**
   * The environment for a libpq tool talking to a pooler's admin console (PgBouncer): no PGOPTIONS, which
   * the console refuses as an unsupported startup parameter, and nothing to opt out of there.
   */
  public static Map<String, String> consoleEnv(Database db) {
    Map<String, String> env = libpqEnv(db);
    env.remove("PGOPTIONS");
    return env;
  }

  public static Map<String, String> libpqEnv(Database db) {
    Map<String, String> env = new HashMap<>();
    String password = password(db);
    if (password != null) {
      env.put("PGPASSWORD", password);
    }
    // The worker's own PG* variables must not redirect the tools to another server.
    env.put("PGCONNECT_TIMEOUT", "10");
    env.put("PGOPTIONS", MOVER_OPTIONS);
    env.put("PGAPPNAME", "cutover");
    return env;
  }

  private static Properties properties(Database db) {
    Properties props = new Properties();
    props.setProperty("user", db.user());
    String password = password(db);
    if (password != null) {
      props.setProperty("password", password);
    }
    props.setProperty("connectTimeout", "10");
    props.setProperty("ApplicationName", "cutover");
    props.setProperty("options", MOVER_OPTIONS);
    return props;
  }

  private static String password(Database db) {
    if (db.passwordEnv() != null) {
      String value = System.getenv(db.passwordEnv());
      if (value == null) {
        throw CutoverFailure.SECRET_MISSING.failure(
            "environment variable " + db.passwordEnv() + " (the password for " + db.user()
                + ") is not set on this worker");
      }
      return value;
    }
    if (db.passwordFile() != null) {
      try {
        return Files.readString(Path.of(db.passwordFile())).strip();
      } catch (IOException e) {
        throw CutoverFailure.SECRET_MISSING.failure(
            "cannot read password file " + db.passwordFile() + " on this worker: " + e.getMessage());
      }
    }
    return null;
  }
}
