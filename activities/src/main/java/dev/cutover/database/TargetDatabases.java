package dev.cutover.database;

import dev.cutover.database.DatabaseActivities.TargetPrepared;
import dev.cutover.plan.Database;
import dev.cutover.workflow.CutoverFailure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * The target database's life as the markers tell it ({@link Markers}): whether it exists, whose it is, and
 * recreating one that a move of this app made. Every step that writes a target starts here.
 */
final class TargetDatabases {

  private TargetDatabases() {}

  /**
   * Creates the target database, or drops and recreates one that an earlier attempt of this app's move
   * made (its marker proves it). Anything else is refused: cutover never overwrites a database it did
   * not create. An empty target this move made ahead ({@link #emptyAhead}) is used as it is: no drop, no
   * CREATE DATABASE, which took 100-360 ms inside a freeze at S.
   */
  static TargetPrepared recreate(String app, String moveId, Database target, String encoding) {
    return replace(app, moveId, target, encoding, Markers.COPIED, true);
  }

  /**
   * Replaces the target with an empty database made now, marked {@link Markers#EMPTY} for this move, so
   * this move's next {@link #recreate} takes it as it is. Returns the ms that took.
   */
  static long emptyAhead(String app, String moveId, Database target, String encoding) {
    long started = System.nanoTime();
    replace(app, moveId, target, encoding, Markers.EMPTY, false);
    return (System.nanoTime() - started) / 1_000_000;
  }

  private static TargetPrepared replace(String app, String moveId, Database target, String encoding, String state,
      boolean takeEmpty) {
    String name = Connections.address(target).database();
    return Connections.callMaintenance(target, "preparing target " + name, c -> {
      boolean existed = exists(c, name);
      String marker = Markers.of(app, moveId, state);
      if (existed) {
        String found = marker(c, name);
        boolean fallback = app.equals(fencedBy(c, name));
        if (!fallback && !Markers.isOurs(found, app)) {
          throw CutoverFailure.TARGET_NOT_OURS.failure(
              "target database " + name + " exists and was not created by a cutover move of " + app);
        }
        if (!fallback && Markers.isLive(found)) {
          throw CutoverFailure.TARGET_NOT_OURS.failure(
              "target database " + name + " is live (a completed move serves from it)");
        }
        // Made empty by this move, fenced since, in the source's encoding: nothing has written it (the
        // mover marks it copied before restoring, so a restore cut short is never taken for empty).
        if (takeEmpty && fallback && Markers.of(app, moveId, Markers.EMPTY).equals(found)
            && (encoding == null || encoding.equals(ServerFacts.encoding(c, name)))) {
          comment(c, name, marker);
          return new TargetPrepared(false, marker);
        }
      }
      // CREATE DATABASE and COMMENT cannot share a transaction, and a worker can die between them. So
      // the new database is made, marked and fenced under a name reserved for this, and only then renamed
      // over the old one: after a crash at any point, every database called `name` is either the old one
      // (checked above) or a marked, fenced copy, and a leftover of the reserved name is simply dropped.
      // Fenced from its first moment, the copy takes writes from the mover's sessions only until the switch.
      String building = Markers.buildingName(name);
      try (Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + Sql.ident(building) + " WITH (FORCE)");
        s.execute("CREATE DATABASE " + Sql.ident(building) + " TEMPLATE template0"
            + (encoding == null ? "" : " ENCODING " + Sql.literal(encoding)));
        comment(c, building, marker);
        Fence.fenceNew(c, building, app);
        s.execute("DROP DATABASE IF EXISTS " + Sql.ident(name) + " WITH (FORCE)");
        s.execute("ALTER DATABASE " + Sql.ident(building) + " RENAME TO " + Sql.ident(name));
      }
      return new TargetPrepared(!existed, marker);
    });
  }

  /**
   * Which app's move fenced this database, read from the shared catalog so it works from the
   * maintenance database. A database fenced by this app's own move is that move's fallback: read-only
   * since its freeze, with everything since on the live box, so a later move of the same app (a
   * rollback, or moving back) may replace it.
   */
  private static String fencedBy(Connection c, String database) throws SQLException {
    String sql = "SELECT unnest(s.setconfig) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase"
        + " WHERE d.datname = ? AND s.setrole = 0";
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, database);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String setting = rs.getString(1);
          if (setting.startsWith(Fence.FENCED_BY + "=")) {
            return setting.substring(Fence.FENCED_BY.length() + 1);
          }
        }
      }
    }
    return null;
  }

  /**
   * Unfences the target and marks it live in one transaction (both are catalog changes of its server), so
   * there is no moment when it accepts writes while its marker still lets a later move drop it.
   * Idempotent: a target already live and unfenced is left as it is.
   */
  static void goLive(Connection c, String app, String moveId) throws SQLException {
    Fence.asMover(c);
    String db = Fence.currentDatabase(c);
    Map<String, String> settings = Fence.databaseSettings(c);
    String live = Markers.of(app, moveId, Markers.LIVE);
    if (!settings.containsKey(Fence.FENCED_BY) && live.equals(marker(c, db))) {
      return;
    }
    Fence.inOneTransaction(c, s -> {
      if (settings.containsKey(Fence.FENCED_BY)) {
        Fence.unfenceStatements(s, db, settings);
      }
      s.execute("COMMENT ON DATABASE " + Sql.ident(db) + " IS " + Sql.literal(live));
    });
    Fence.endOtherSessions(c);
  }

  /** The reverse of {@link #goLive}: fenced (every other session ended), then marked copied. */
  static void demote(Connection c, String app, String moveId) throws SQLException {
    // Fenced first, as strongly as a source is and proven in force; only then marked droppable. A crash
    // between the two leaves a fenced database still marked live: safe, and a retry finishes it.
    Fence.fence(c, app);
    String db = Fence.currentDatabase(c);
    TargetDatabases.comment(c, db, Markers.of(app, moveId, Markers.COPIED));
  }

  static void comment(Connection c, String database, String marker) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("COMMENT ON DATABASE " + Sql.ident(database) + " IS " + Sql.literal(marker));
    }
  }

  static boolean exists(Connection c, String database) throws SQLException {
    return Jdbc.exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", database);
  }

  static String marker(Connection c, String database) throws SQLException {
    return Jdbc.query(c, "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = ?", database);
  }
}
