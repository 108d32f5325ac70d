package dev.cutover.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * What logical replication finds hard, in one schema: sequences (serial, identity, a free-standing one),
 * a table without a key (identical rows too), a partitioned table, a generated column, large objects, and
 * quoted names.
 */
public final class LogicalGame {

  private LogicalGame() {}

  /** {@code players} rows of about {@code padding} bytes each, plus the small tables. */
  public static void create(Connection c, int players, int padding) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA game");
      s.execute("CREATE SCHEMA \"Odd Schema\"");
      s.execute("CREATE TABLE game.players (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text UNIQUE,"
          + " points int NOT NULL DEFAULT 0, doubled int GENERATED ALWAYS AS (points * 2) STORED, bio text)");
      s.execute("INSERT INTO game.players (email, points, bio) SELECT 'p' || g || '@x', g % 100,"
          + " repeat(md5(g::text), " + Math.max(1, padding / 32) + ") FROM generate_series(1, " + players + ") g");
      s.execute("CREATE TABLE public.trades (id serial PRIMARY KEY, player bigint REFERENCES game.players, note text)");
      s.execute("INSERT INTO trades (player, note) SELECT 1 + g % 1000, 'trade ' || g FROM generate_series(1, 5000) g");
      s.execute("CREATE SEQUENCE \"Odd Schema\".tickets START 1000");
      s.execute("CREATE TABLE \"Odd Schema\".\"Tickets\" (n int PRIMARY KEY DEFAULT nextval('\"Odd Schema\".tickets'))");
      s.execute("INSERT INTO \"Odd Schema\".\"Tickets\" SELECT FROM generate_series(1, 40)");
      s.execute("CREATE TABLE game.events (id bigserial, at date NOT NULL, what text, PRIMARY KEY (id, at))"
          + " PARTITION BY RANGE (at)");
      s.execute("CREATE TABLE game.events_2026 PARTITION OF game.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
      s.execute("CREATE TABLE game.events_2027 PARTITION OF game.events FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')");
      s.execute("INSERT INTO game.events (at, what) SELECT date '2026-06-01' + g % 300, 'e' || g FROM generate_series(1, 2000) g");
      s.execute("CREATE TABLE audit_log (note text, at timestamptz)");
      s.execute("INSERT INTO audit_log SELECT 'same', '2026-06-11 17:00+00' FROM generate_series(1, 3)");
      s.execute("CREATE TABLE avatars (player bigint PRIMARY KEY, image oid)");
      s.execute("INSERT INTO avatars VALUES (1, lo_from_bytea(0, '\\x89504e47'::bytea)),"
          + " (2, lo_from_bytea(0, decode(repeat('ab', 1500000), 'hex')))");
    }
  }
}
