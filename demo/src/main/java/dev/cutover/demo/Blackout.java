package dev.cutover.demo;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * The blackout as the databases saw it: from the last commit on the source to the first commit on the
 * target after the copy, read from each row's commit timestamp ({@code pg_xact_commit_timestamp(xmin)},
 * kept because the clusters run with {@code track_commit_timestamp = on}). Server-side, so neither the
 * workflow's clock nor the players' latency is in it.
 */
public record Blackout(Instant lastSourceCommit, Instant firstTargetCommit) {

  public Long millis() {
    return lastSourceCommit == null || firstTargetCommit == null ? null
        : firstTargetCommit.toEpochMilli() - lastSourceCommit.toEpochMilli();
  }

  /** {@code copiedBefore}: the copy's rows were committed before it; the app's first write comes after. */
  public static Blackout measure(Connection source, Connection target, Instant copiedBefore) throws SQLException {
    Instant last = null;
    Instant first = null;
    for (String table : GameDatabase.TABLES) {
      String column = "pg_xact_commit_timestamp(xmin)";
      try (PreparedStatement s = source.prepareStatement("SELECT max(" + column + ") FROM " + quote(table));
          ResultSet rs = s.executeQuery()) {
        rs.next();
        last = later(last, rs.getTimestamp(1));
      }
      try (PreparedStatement s = target.prepareStatement("SELECT min(ts) FROM (SELECT " + column + " AS ts FROM "
          + quote(table) + ") x WHERE ts > ?")) {
        s.setTimestamp(1, Timestamp.from(copiedBefore));
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          Timestamp ts = rs.getTimestamp(1);
          if (ts != null && (first == null || ts.toInstant().isBefore(first))) {
            first = ts.toInstant();
          }
        }
      }
    }
    return new Blackout(last, first);
  }

  /** When the move's last copy step ended, from {@code status --json}; null if no copy ran. */
  public static Instant copyEnded(JsonNode status) {
    Instant ended = null;
    for (JsonNode step : status.path("steps")) {
      if (step.path("phase").asText().equals("COPY") && step.path("endedAt").isNumber()) {
        ended = Instant.ofEpochMilli(step.path("endedAt").asLong());
      }
    }
    return ended;
  }

  private static Instant later(Instant a, Timestamp b) {
    return b == null ? a : a == null || b.toInstant().isAfter(a) ? b.toInstant() : a;
  }

  private static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }
}
