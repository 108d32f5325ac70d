package dev.cutover.realapps;

import dev.cutover.testing.LocalCluster;
import dev.cutover.database.Sql;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * One server of the move: its own PostgreSQL cluster, a directory for the app's configuration and logs,
 * and the loopback port its app listens on.
 */
record Box(String name, LocalCluster cluster, Path dir, int appPort) {

  /** The app's password: the test clusters trust loopback, but the apps' installers want one. */
  static final String APP_PASSWORD = "app-password-not-a-secret";

  /** The app's login role, not a superuser, as a packaged app's install instructions create it. */
  void createRole(String role) throws SQLException {
    try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + Sql.ident(role) + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD "
          + Sql.literal(APP_PASSWORD));
    }
  }

  void createDatabase(String database, String owner) throws SQLException {
    try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + Sql.ident(database) + " OWNER " + Sql.ident(owner));
    }
  }

  Connection connectAs(String role, String database) throws SQLException {
    return DriverManager.getConnection(cluster.jdbcUrl(database), role, APP_PASSWORD);
  }

  String jdbcUrl(String database) {
    return cluster.jdbcUrl(database);
  }
}
