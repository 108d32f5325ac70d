package dev.cutover.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** The few JDBC shapes the steps repeat: one value of a query, and whether a query returns a row. */
final class Jdbc {

  /** SQLSTATE invalid_catalog_name: the database does not exist. */
  static final String UNDEFINED_DATABASE = "3D000";

  private Jdbc() {}

  /** The first column of the first row, or null when there is none; every argument bound as text. */
  static String query(Connection c, String sql, String... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setString(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /** Whether the query returns a row; every argument bound as text. */
  static boolean exists(Connection c, String sql, String... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setString(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }
}
