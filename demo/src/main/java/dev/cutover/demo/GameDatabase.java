package dev.cutover.demo;

import dev.cutover.testing.LocalCluster;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * The story's game database at the story's size: profiles 9, predictions 453, trades 772, stickers
 * 6244 ({@code scale} multiplies everything but the profiles), and a match schedule in compressed time:
 * the past matches are graded, one match is in play and ends {@code fullTimeIn} after the seed (so the
 * settle guards are false until the grader has run), and the next kickoffs lie far enough ahead for the
 * players to keep predicting.
 */
public final class GameDatabase {

  /** The role the game's app, jobs and writer connect as (the throwaway clusters' superuser). */
  public static final String USER = LocalCluster.SUPERUSER;
  public static final int PROFILES = 9;
  public static final int PREDICTIONS = 453;
  public static final int TRADES = 772;
  public static final int STICKERS = 6244;
  static final int PAST_MATCHES = 51;
  static final int UPCOMING_MATCHES = 4;
  /** Predictions on the match in play, waiting for the grader; part of {@link #PREDICTIONS}. */
  static final int IN_PLAY_PREDICTIONS = PROFILES;

  /** The tables that hold something a player cares about, in the order the report lists them. */
  public static final List<String> TABLES =
      List.of("profiles", "matches", "predictions", "stickers", "trades", "standings_history");

  private GameDatabase() {}

  public static void create(Connection c, int scale, Duration fullTimeIn) throws SQLException {
    int pastMatches = PAST_MATCHES * scale;
    int predictions = PREDICTIONS * scale - IN_PLAY_PREDICTIONS;
    try (Statement s = c.createStatement()) {
      // The seed is consistent by construction, so its foreign keys need no per-row check: skipping the
      // triggers makes a gigabyte-sized seed (the benchmark's) minutes faster. Superuser only, as here.
      s.execute("SET session_replication_role = replica");
      s.execute("""
          CREATE TABLE profiles (
            id serial PRIMARY KEY, name text NOT NULL UNIQUE, points int NOT NULL DEFAULT 0,
            packs_earned int NOT NULL DEFAULT 0, motto text);
          CREATE TABLE matches (
            id serial PRIMARY KEY, home text NOT NULL, away text NOT NULL, kickoff timestamptz NOT NULL,
            full_time timestamptz NOT NULL, odds numeric(4,2) NOT NULL, odds_frozen boolean NOT NULL DEFAULT false,
            result text, graded boolean NOT NULL DEFAULT false);
          CREATE TABLE predictions (
            id bigserial PRIMARY KEY, profile_id int NOT NULL REFERENCES profiles, match_id int NOT NULL REFERENCES matches,
            pick text NOT NULL, odds numeric(4,2) NOT NULL, points_awarded int NOT NULL DEFAULT 0,
            is_graded boolean NOT NULL DEFAULT false, made_at timestamptz NOT NULL DEFAULT now());
          CREATE TABLE stickers (
            id bigserial PRIMARY KEY, profile_id int NOT NULL REFERENCES profiles, card text NOT NULL,
            opened_at timestamptz NOT NULL DEFAULT now());
          CREATE TABLE trades (
            id bigserial PRIMARY KEY, sticker_id bigint NOT NULL REFERENCES stickers, from_profile int NOT NULL,
            to_profile int NOT NULL, traded_at timestamptz NOT NULL DEFAULT now());
          CREATE TABLE standings_history (
            id bigserial PRIMARY KEY, run bigint NOT NULL, profile_id int NOT NULL, points int NOT NULL,
            written_at timestamptz NOT NULL DEFAULT now(), UNIQUE (run, profile_id));
          """);
      s.execute("INSERT INTO profiles (name, motto) SELECT 'player' || g,"
          + " CASE g % 3 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE 'up the \"reds\", always' END"
          + " FROM generate_series(1, " + PROFILES + ") g");
      s.execute("INSERT INTO matches (home, away, kickoff, full_time, odds, odds_frozen, result, graded)"
          // Every past match ended before the seed, however many there are: one every 3 hours, backwards.
          + " SELECT 'team' || g, 'team' || (g + 1), now() - (" + pastMatches + " - g + 1) * interval '3 hours',"
          + " now() - (" + pastMatches + " - g + 1) * interval '3 hours' + interval '110 minutes',"
          + " 1.5 + (g % 7) * 0.25, true,"
          + " (ARRAY['home','draw','away'])[1 + g % 3], true FROM generate_series(1, " + pastMatches + ") g");
      // The match in play kicked off a moment ago (its odds are frozen by the job, not the seed).
      s.execute("INSERT INTO matches (home, away, kickoff, full_time, odds)"
          + " VALUES ('reds', 'blues', now() - interval '1 second', now() + make_interval(secs => "
          + fullTimeIn.toMillis() / 1000.0 + "), 2.10)");
      s.execute("INSERT INTO matches (home, away, kickoff, full_time, odds)"
          + " SELECT 'side' || g, 'side' || (g + 10), now() + g * interval '1 hour',"
          + " now() + g * interval '1 hour' + interval '110 minutes', 1.8 + g * 0.2"
          + " FROM generate_series(1, " + UPCOMING_MATCHES + ") g");
      s.execute("INSERT INTO predictions (profile_id, match_id, pick, odds, points_awarded, is_graded)"
          + " SELECT 1 + g % " + PROFILES + ", 1 + g % " + pastMatches + ", (ARRAY['home','draw','away'])[1 + g % 3],"
          + " 1.5 + (g % 7) * 0.25, (g * 7) % 31, true FROM generate_series(1, " + predictions + ") g");
      s.execute("INSERT INTO predictions (profile_id, match_id, pick, odds)"
          + " SELECT p.id, m.id, (ARRAY['home','draw','away'])[1 + p.id % 3], m.odds"
          + " FROM profiles p, matches m WHERE m.home = 'reds'");
      s.execute("INSERT INTO stickers (profile_id, card, opened_at)"
          + " SELECT 1 + g % " + PROFILES + ", 'card-' || (g % 640),"
          + " timestamptz '2026-06-11 12:00+00' + g * interval '1 minute'"
          + " FROM generate_series(1, " + STICKERS * scale + ") g");
      s.execute("INSERT INTO trades (sticker_id, from_profile, to_profile, traded_at)"
          + " SELECT g, 1 + g % " + PROFILES + ", 1 + (g + 1) % " + PROFILES + ","
          + " timestamptz '2026-06-12 12:00+00' + g * interval '1 minute' FROM generate_series(1, " + TRADES * scale + ") g");
      s.execute("UPDATE profiles p SET points = coalesce((SELECT sum(points_awarded) FROM predictions"
          + " WHERE profile_id = p.id), 0)");
      s.execute("INSERT INTO standings_history (run, profile_id, points) SELECT 1, id, points FROM profiles");
      s.execute("RESET session_replication_role");
    }
  }
}
