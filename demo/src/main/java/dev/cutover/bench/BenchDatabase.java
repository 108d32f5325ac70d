package dev.cutover.bench;

import dev.cutover.testing.LocalCluster;
import dev.cutover.database.Sql;
import dev.cutover.demo.GameDatabase;
import dev.cutover.plan.Database;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

/**
 * The game database at one size on one cluster. {@code tableBytes} (heap and TOAST of every user table,
 * no indexes) is the "MB" of every MB/s on the page: the data a copy must move and a fingerprint must read.
 */
public record BenchDatabase(Size size, LocalCluster cluster, String name, long rows, long tableBytes,
    long databaseBytes, long buildMillis) {

  public static BenchDatabase build(LocalCluster cluster, String name, Size size) throws SQLException {
    long started = System.nanoTime();
    cluster.createDatabase(name);
    try (Connection c = cluster.connect(name); Statement s = c.createStatement()) {
      GameDatabase.create(c, size.scale(), Duration.ofHours(1));
      // Hint bits and statistics now, so the first measured read does not pay for writing them.
      s.execute("VACUUM (FREEZE, ANALYZE)");
      long rows = 0;
      for (String table : GameDatabase.TABLES) {
        rows += single(s, "SELECT count(*) FROM " + Sql.ident(table));
      }
      long tableBytes = single(s, "SELECT sum(pg_table_size(c.oid)) FROM pg_class c"
          + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public'");
      long databaseBytes = single(s, "SELECT pg_database_size(current_database())");
      return new BenchDatabase(size, cluster, name, rows, tableBytes, databaseBytes,
          (System.nanoTime() - started) / 1_000_000);
    }
  }

  public Database database() {
    return new Database(cluster.jdbcUrl(name), LocalCluster.SUPERUSER, null, null);
  }

  public double tableMb() {
    return tableBytes / 1e6;
  }

  /** Rows in the game's tables of {@code database} on {@code on}: the cheap proof that a copy copied. */
  public static long rows(LocalCluster on, String database) throws SQLException {
    long rows = 0;
    try (Connection c = on.connect(database); Statement s = c.createStatement()) {
      for (String table : GameDatabase.TABLES) {
        rows += single(s, "SELECT count(*) FROM " + Sql.ident(table));
      }
    }
    return rows;
  }

  static long single(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
