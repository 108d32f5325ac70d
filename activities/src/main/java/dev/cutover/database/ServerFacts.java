package dev.cutover.database;

import dev.cutover.plan.Database;
import java.sql.Connection;
import java.sql.SQLException;

/** What a server and its database say about themselves: version, size, encoding, the mover's role. */
final class ServerFacts {

  private ServerFacts() {}

  static int versionNum(Connection c) throws SQLException {
    return Integer.parseInt(Jdbc.query(c, "SELECT current_setting('server_version_num')"));
  }

  /** {@code PostgreSQL 15.8}. */
  static String version(Connection c) throws SQLException {
    return "PostgreSQL " + Jdbc.query(c, "SELECT split_part(current_setting('server_version'), ' ', 1)");
  }

  static long size(Connection c) throws SQLException {
    return Long.parseLong(Jdbc.query(c, "SELECT pg_database_size(current_database())"));
  }

  static boolean isSuperuser(Connection c) throws SQLException {
    return Boolean.parseBoolean(Jdbc.query(c, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user"));
  }

  /** The major version of the server {@code db} is on; {@code box} names it in the failure. */
  static int major(Database db, String box) {
    return Connections.call(db, "connecting to " + box, c -> versionNum(c) / 10000);
  }

  /** A source's major version and its database's encoding, read on one connection. */
  record Source(int major, String encoding) {}

  static Source source(Database db, String box) {
    return Connections.call(db, "connecting to " + box, c -> new Source(versionNum(c) / 10000, encoding(c)));
  }

  private static String encoding(Connection c) throws SQLException {
    return encoding(c, null);
  }

  /** The encoding of {@code database} on the server {@code c} is connected to; null: of its own database. */
  static String encoding(Connection c, String database) throws SQLException {
    return Jdbc.query(c,
        "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = coalesce(?, current_database())",
        database);
  }

  static String encoding(Database db) {
    return Connections.call(db, "reading the source's encoding", ServerFacts::encoding);
  }
}
