package dev.cutover.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** A few tables of the story's game, with a sequence, an array, a NULL-able column and no-PK table. */
public final class SmallGame {

  private SmallGame() {}

  public static void create(Connection c, int predictions) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE profiles (id serial PRIMARY KEY, name text NOT NULL, motto text)");
      s.execute("CREATE TABLE predictions (id bigserial PRIMARY KEY, profile_id int REFERENCES profiles,"
          + " points_awarded int NOT NULL DEFAULT 0, is_graded boolean NOT NULL DEFAULT false,"
          + " tags text[], placed_at timestamptz NOT NULL DEFAULT '2026-06-11 18:00+00')");
      s.execute("CREATE TABLE audit_log (note text, at timestamptz)");
      s.execute("INSERT INTO profiles (name, motto) SELECT 'player ' || g, CASE WHEN g % 3 = 0 THEN NULL"
          + " WHEN g % 3 = 1 THEN '' ELSE 'go, \"team\"' END FROM generate_series(1, 9) g");
      s.execute("INSERT INTO predictions (profile_id, points_awarded, is_graded, tags)"
          + " SELECT 1 + g % 9, g % 7, g % 2 = 0, ARRAY['a,b', 'c'] FROM generate_series(1, " + predictions + ") g");
      s.execute("INSERT INTO audit_log VALUES ('seeded', '2026-06-11 17:00+00'), ('seeded', '2026-06-11 17:00+00')");
    }
  }
}
