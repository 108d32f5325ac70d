package dev.cutover.demo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.function.Consumer;

/**
 * What each box runs besides the app, in the story's words: the odds freezer (at kickoff), the grader
 * (at full time: grades the predictions, awards points and packs, in one transaction so a match is never
 * half graded) and the nightly writer, which copies the standings into their history straight in the
 * database, bypassing the app. Time is compressed: the "nightly" run comes every second.
 */
final class GameJobs {

  private GameJobs() {}

  static PeriodicJob.Work oddsFreezer() {
    return c -> {
      try (Statement s = c.createStatement()) {
        s.executeUpdate("UPDATE matches SET odds_frozen = true WHERE kickoff <= now() AND NOT odds_frozen");
      }
      return null;
    };
  }

  /** Grades a match {@code delayMillis} after its full time, like the story's "a minute or two". */
  static PeriodicJob.Work grader(long delayMillis) {
    return c -> {
      try (PreparedStatement due = c.prepareStatement("SELECT id FROM matches WHERE NOT graded"
          + " AND full_time + make_interval(secs => ?) <= now() ORDER BY id FOR UPDATE")) {
        due.setDouble(1, delayMillis / 1000.0);
        try (ResultSet rs = due.executeQuery()) {
          while (rs.next()) {
            grade(c, rs.getInt(1));
          }
        }
      }
      return null;
    };
  }

  private static void grade(Connection c, int match) throws SQLException {
    String[] statements = {
      "UPDATE matches SET result = (ARRAY['home','draw','away'])[1 + id % 3] WHERE id = ?",
      "UPDATE predictions p SET is_graded = true,"
          + " points_awarded = CASE WHEN p.pick = m.result THEN round(10 * p.odds)::int ELSE 0 END"
          + " FROM matches m WHERE m.id = p.match_id AND p.match_id = ? AND NOT p.is_graded",
      "UPDATE profiles f SET points = f.points + g.won, packs_earned = f.packs_earned + g.packs"
          + " FROM (SELECT profile_id, sum(points_awarded) AS won, count(*) FILTER (WHERE points_awarded > 0) AS packs"
          + " FROM predictions WHERE match_id = ? GROUP BY profile_id) g WHERE g.profile_id = f.id",
      "UPDATE matches SET graded = true WHERE id = ?",
    };
    for (String sql : statements) {
      try (PreparedStatement s = c.prepareStatement(sql)) {
        s.setInt(1, match);
        s.executeUpdate();
      }
    }
  }

  /** One snapshot of every profile's points per run, all rows in one transaction; reports the run once committed. */
  static PeriodicJob.Work nightlyWriter(Consumer<Ledger.Ack> acknowledged) {
    return c -> {
      long run;
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("INSERT INTO standings_history (run, profile_id, points)"
              + " SELECT (SELECT coalesce(max(run), 0) + 1 FROM standings_history), id, points FROM profiles"
              + " RETURNING run")) {
        rs.next();
        run = rs.getLong(1);
      }
      return () -> acknowledged.accept(new Ledger.Ack(Ledger.Kind.STANDINGS, List.of(run), 0));
    };
  }
}
