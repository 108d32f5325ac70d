package dev.cutover.demo;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The story's game database at the story's size: profiles 9, predictions 453, trades 772, stickers
 * 6244. {@code scale} multiplies everything but the profiles.
 */
public final class GameDatabase {

  public static final int PROFILES = 9;
  public static final int PREDICTIONS = 453;
  public static final int TRADES = 772;
  public static final int STICKERS = 6244;

  private GameDatabase() {}

  public static void create(Connection c, int scale) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("""
          CREATE TABLE profiles (
            id serial PRIMARY KEY, name text NOT NULL UNIQUE, points int NOT NULL DEFAULT 0, motto text);
          CREATE TABLE matches (
            id serial PRIMARY KEY, home text NOT NULL, away text NOT NULL, kickoff timestamptz NOT NULL,
            odds_frozen boolean NOT NULL DEFAULT false, graded boolean NOT NULL DEFAULT false);
          CREATE TABLE predictions (
            id bigserial PRIMARY KEY, profile_id int NOT NULL REFERENCES profiles, match_id int NOT NULL REFERENCES matches,
            pick text NOT NULL, points_awarded int NOT NULL DEFAULT 0, is_graded boolean NOT NULL DEFAULT false);
          CREATE TABLE stickers (
            id bigserial PRIMARY KEY, profile_id int NOT NULL REFERENCES profiles, card text NOT NULL,
            opened_at timestamptz NOT NULL DEFAULT now());
          CREATE TABLE trades (
            id bigserial PRIMARY KEY, sticker_id bigint NOT NULL REFERENCES stickers, from_profile int NOT NULL,
            to_profile int NOT NULL, traded_at timestamptz NOT NULL DEFAULT now());
          CREATE TABLE standings_history (
            day date NOT NULL, profile_id int NOT NULL, points int NOT NULL, PRIMARY KEY (day, profile_id));
          """);
      s.execute("INSERT INTO profiles (name, motto) SELECT 'player' || g,"
          + " CASE g % 3 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE 'up the \"reds\", always' END"
          + " FROM generate_series(1, " + PROFILES + ") g");
      s.execute("INSERT INTO matches (home, away, kickoff, odds_frozen, graded)"
          + " SELECT 'team' || g, 'team' || (g + 1), timestamptz '2026-06-11 16:00+00' + g * interval '3 hours',"
          + " true, true FROM generate_series(1, " + 51 * scale + ") g");
      s.execute("INSERT INTO predictions (profile_id, match_id, pick, points_awarded, is_graded)"
          + " SELECT 1 + g % " + PROFILES + ", 1 + g % " + 51 * scale + ", (ARRAY['home','draw','away'])[1 + g % 3],"
          + " (g * 7) % 31, true FROM generate_series(1, " + PREDICTIONS * scale + ") g");
      s.execute("INSERT INTO stickers (profile_id, card, opened_at)"
          + " SELECT 1 + g % " + PROFILES + ", 'card-' || (g % 640),"
          + " timestamptz '2026-06-11 12:00+00' + g * interval '1 minute' FROM generate_series(1, " + STICKERS * scale + ") g");
      s.execute("INSERT INTO trades (sticker_id, from_profile, to_profile, traded_at)"
          + " SELECT g, 1 + g % " + PROFILES + ", 1 + (g + 1) % " + PROFILES + ","
          + " timestamptz '2026-06-12 12:00+00' + g * interval '1 minute' FROM generate_series(1, " + TRADES * scale + ") g");
      s.execute("UPDATE profiles p SET points = coalesce((SELECT sum(points_awarded) FROM predictions WHERE profile_id = p.id), 0)");
      s.execute("INSERT INTO standings_history SELECT date '2026-06-12', id, points FROM profiles");
    }
  }
}
