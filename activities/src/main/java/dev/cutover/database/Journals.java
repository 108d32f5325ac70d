package dev.cutover.database;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.workflow.CutoverFailure;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The move's journal ({@link MoveJournal}) as a database-level setting, {@code cutover.journal}. A setting
 * survives restarts, is readable from any database of the server (pg_db_role_setting), changes
 * transactionally, and travels with the database it describes, not with the Temporal history.
 */
final class Journals {

  static final String SETTING = "cutover.journal";
  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private Journals() {}

  static MoveJournal read(Connection c) throws SQLException {
    String value = Fence.databaseSettings(c).get(SETTING);
    if (value == null) {
      return null;
    }
    try {
      return JSON.readValue(value, MoveJournal.class);
    } catch (JsonProcessingException e) {
      // Someone edited it by hand: still an unfinished move, described by what is legible.
      return new MoveJournal(null, "unreadable", value, false, null, null, null, null, 0);
    }
  }

  static void write(Connection c, MoveJournal journal) throws SQLException {
    Fence.asMover(c);
    String json;
    try {
      json = JSON.writeValueAsString(journal);
    } catch (JsonProcessingException e) {
      throw CutoverFailure.INVALID_PLAN.failure("cannot write the move's journal: " + e.getMessage(), e);
    }
    try (Statement s = c.createStatement()) {
      s.execute("ALTER DATABASE " + Sql.ident(Fence.currentDatabase(c)) + " SET " + SETTING + " = "
          + Sql.literal(json));
    }
  }

  /** Clears the journal if it belongs to {@code run}: a journal another run wrote is that run's to clear. */
  static void clear(Connection c, String run) throws SQLException {
    MoveJournal current = read(c);
    if (current == null || (run != null && !run.equals(current.run()))) {
      return;
    }
    Fence.asMover(c);
    try (Statement s = c.createStatement()) {
      s.execute("ALTER DATABASE " + Sql.ident(Fence.currentDatabase(c)) + " RESET " + SETTING);
    }
  }
}
