package dev.cutover.realapps;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cutover.demo.Blackout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What one move of a real app cost and where the time went: the blackout from server-side commit
 * timestamps (last commit on the source, first commit on the target after the copy) across every table in
 * the app's schema, the workflow's own freeze-to-flip span, and each step's duration from the status.
 */
record MoveRecord(String app, String copy, Long blackoutMillis, Long appBlackoutMillis, Long workflowBlackoutMillis,
    Long estimatedBlackoutMillis, long targetBootMillis, long freezeStartedAt, List<String> replicaIdentityFull,
    List<String> freezeSteps, List<String> allSteps) {

  static MoveRecord of(String app, String copy, JsonNode status, Connection source, Connection target, String schema,
      long targetBootMillis) throws SQLException {
    Instant copyEnded = Blackout.copyEnded(status);
    List<String> tables = tables(source, schema);
    List<String> appTables = tables.stream().filter(t -> !t.endsWith("." + Pgbench.TABLE)).toList();
    Long blackout = copyEnded == null ? null : blackout(source, target, tables, copyEnded);
    Long appBlackout = copyEnded == null ? null : blackout(source, target, appTables, copyEnded);
    long from = status.path("blackoutStartedAt").asLong(0);
    long to = status.path("blackoutEndedAt").asLong(0);
    List<String> freeze = new ArrayList<>();
    List<String> all = new ArrayList<>();
    for (JsonNode step : status.path("steps")) {
      if (!step.path("endedAt").isNumber()) {
        continue;
      }
      long started = step.path("startedAt").asLong();
      long millis = step.path("endedAt").asLong() - started;
      String line = step.path("phase").asText() + " | " + step.path("name").asText() + " | " + millis + " ms | "
          + (from > 0 ? (started - from) + " ms | " : started + " | ")
          + step.path("detail").asText("").replace('|', '/');
      all.add(line);
      if (from > 0 && started >= from && started <= to) {
        freeze.add(line);
      }
    }
    Long estimate = status.path("estimatedBlackoutMillis").isNumber() ? status.path("estimatedBlackoutMillis").asLong()
        : null;
    List<String> full = new ArrayList<>();
    for (var side : List.of(java.util.Map.entry("source", source), java.util.Map.entry("target", target))) {
      try (PreparedStatement s = side.getValue().prepareStatement("SELECT format('%I.%I', n.nspname, c.relname)"
          + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relkind = 'r'"
          + " AND c.relreplident = 'f' ORDER BY 1")) {
        s.setString(1, schema);
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            full.add(side.getKey() + " " + rs.getString(1));
          }
        }
      }
    }
    return new MoveRecord(app, copy, blackout, appBlackout, from > 0 && to > 0 ? to - from : null, estimate,
        targetBootMillis, from, full, freeze, all);
  }

  private static Long blackout(Connection source, Connection target, List<String> tables, Instant copyEnded)
      throws SQLException {
    Instant last = null;
    Instant first = null;
    for (String table : tables) {
      last = later(last, scalar(source, "SELECT max(pg_xact_commit_timestamp(xmin)) FROM " + table, null));
      Timestamp t = scalar(target, "SELECT min(ts) FROM (SELECT pg_xact_commit_timestamp(xmin) AS ts FROM " + table
          + ") x WHERE ts > ?", Timestamp.from(copyEnded));
      if (t != null && (first == null || t.toInstant().isBefore(first))) {
        first = t.toInstant();
      }
    }
    return last == null || first == null ? null : first.toEpochMilli() - last.toEpochMilli();
  }

  /** Markdown, appended to {@code target/realapps-moves.md} so a run's numbers outlive its console. */
  String markdown() {
    StringBuilder md = new StringBuilder("## " + app + ", copy " + copy + "\n\n")
        .append("- blackout (last source commit to first target commit, any writer): ").append(blackoutMillis)
        .append(" ms\n")
        .append("- the app's own blackout (the same, on the app's tables only, without pgbench's ledger): ")
        .append(appBlackoutMillis).append(" ms\n")
        .append("- workflow freeze to front-door flip: ").append(workflowBlackoutMillis).append(" ms\n")
        .append("- estimated at the confirm gate: ").append(estimatedBlackoutMillis).append(" ms\n")
        .append("- target app boot (start until it answered): ").append(targetBootMillis).append(" ms\n")
        .append("- tables left with REPLICA IDENTITY FULL after the move: ").append(replicaIdentityFull).append('\n')
        .append("- freeze started at ").append(Instant.ofEpochMilli(freezeStartedAt)).append("\n\n")
        .append("| phase | step | took | started (from the freeze) | detail |\n|---|---|---|---|---|\n");
    allSteps.forEach(s -> md.append("| ").append(s).append(" |\n"));
    return md.append('\n').toString();
  }

  void append(Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, markdown(), java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
  }

  private static List<String> tables(Connection c, String schema) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement("SELECT format('%I.%I', schemaname, tablename) FROM pg_tables"
        + " WHERE schemaname = ? ORDER BY 1")) {
      s.setString(1, schema);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  private static Timestamp scalar(Connection c, String sql, Timestamp parameter) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(sql)) {
      if (parameter != null) {
        s.setTimestamp(1, parameter);
      }
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getTimestamp(1);
      }
    }
  }

  private static Instant later(Instant a, Timestamp b) {
    return b == null ? a : a == null || b.toInstant().isAfter(a) ? b.toInstant() : a;
  }
}
