package dev.cutover.database;

import dev.cutover.plan.Database;
import dev.cutover.plan.Settle;
import dev.cutover.workflow.CutoverFailure;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The database and target control over JDBC. Plain constructor: usable with or without Spring. Each method
 * opens what it needs and hands the work to the helper below it; nothing below calls back here.
 */
public class DatabaseActivitiesImpl implements DatabaseActivities {

  private static final Logger log = LoggerFactory.getLogger(DatabaseActivitiesImpl.class);

  @Override
  public DatabaseInfo inspect(InspectRequest request) {
    Database db = request.database();
    try (Connection c = Connections.open(db)) {
      return new DatabaseInfo(
          request.box(), true, true, null, ServerFacts.versionNum(c), ServerFacts.version(c), ServerFacts.size(c),
          Catalog.tables(c).size(), TargetDatabases.marker(c, Connections.address(db).database()), Fence.isFenced(c),
          Fence.fencedBy(c), Journals.read(c));
    } catch (SQLException e) {
      if (!Jdbc.UNDEFINED_DATABASE.equals(e.getSQLState())) {
        return unreachable(request, e.getMessage());
      }
    } catch (ApplicationFailure e) {
      return unreachable(request, e.getOriginalMessage());
    }
    try (Connection c = Connections.openMaintenance(db)) {
      return new DatabaseInfo(request.box(), true, false, null, ServerFacts.versionNum(c), ServerFacts.version(c),
          null, 0, null, false, null, null);
    } catch (SQLException e) {
      return unreachable(request, e.getMessage());
    }
  }

  private static DatabaseInfo unreachable(InspectRequest request, String error) {
    return new DatabaseInfo(request.box(), false, false, error, null, null, null, null, null, false, null, null);
  }

  @Override
  public TargetPrepared prepareTarget(TargetRequest request) {
    return TargetDatabases.recreate(request.app(), request.moveId(), request.database(), null);
  }

  @Override
  public TargetPrepared claimTarget(TargetRequest request) {
    String name = Connections.address(request.database()).database();
    return Connections.callMaintenance(request.database(), "claiming target " + name, c -> {
      if (!TargetDatabases.exists(c, name)) {
        return new TargetPrepared(false, null);
      }
      String marker = TargetDatabases.marker(c, name);
      if (Markers.isOurs(marker, request.app()) && Markers.isLive(marker)) {
        throw CutoverFailure.TARGET_NOT_OURS.failure("target database " + name + " is live (a completed move serves from it)");
      }
      String claimed = Markers.of(request.app(), request.moveId(), Markers.COPIED);
      TargetDatabases.comment(c, name, claimed);
      return new TargetPrepared(false, claimed);
    });
  }

  @Override
  public void dropTarget(TargetRequest request) {
    String name = Connections.address(request.database()).database();
    Connections.runMaintenance(request.database(), "dropping target " + name, c -> {
      if (!TargetDatabases.exists(c, name)) {
        return;
      }
      String marker = TargetDatabases.marker(c, name);
      if (!Markers.isOurs(marker, request.app()) || Markers.isLive(marker)) {
        log.warn("not dropping {} on {}: it is not a copy made by a move of {}", name, request.box(), request.app());
        return;
      }
      try (Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + Sql.ident(name) + " WITH (FORCE)");
      }
    });
  }

  @Override
  public void markTargetLive(TargetRequest request) {
    String name = Connections.address(request.database()).database();
    Connections.runMaintenance(request.database(), "marking " + name + " live",
        c -> TargetDatabases.comment(c, name, Markers.of(request.app(), request.moveId(), Markers.LIVE)));
  }

  @Override
  public void goLive(TargetRequest request) {
    Connections.run(request.database(), "making " + request.box() + " live",
        c -> TargetDatabases.goLive(c, request.app(), request.moveId()));
  }

  @Override
  public void demoteTarget(TargetRequest request) {
    Connections.run(request.database(), "fencing " + request.box() + " again",
        c -> TargetDatabases.demote(c, request.app(), request.moveId()));
  }

  @Override
  public void record(JournalRequest request) {
    Connections.run(request.database(), "recording the move's journal on " + request.box(),
        c -> Journals.write(c, request.journal()));
  }

  @Override
  public void clearJournal(JournalRequest request) {
    Connections.run(request.database(), "clearing the move's journal on " + request.box(),
        c -> Journals.clear(c, request.journal().run()));
  }

  @Override
  public FenceResult fence(FenceRequest request) {
    return Connections.call(request.database(), "fencing " + request.box(), c -> Fence.fence(c, request.app()));
  }

  @Override
  public void unfence(FenceRequest request) {
    Connections.run(request.database(), "unfencing " + request.box(), Fence::unfence);
  }

  @Override
  public ExtensionCheck checkExtensions(ExtensionRequest request) {
    Map<String, String> used = Connections.call(request.source(), "listing extensions on " + request.sourceBox(), c -> {
      Map<String, String> out = new TreeMap<>();
      try (Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT extname, extversion FROM pg_extension WHERE extname <> 'plpgsql'")) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getString(2));
        }
      }
      return out;
    });
    // pg_available_extension_versions lists what the target server's files could install, in any database.
    String sql = "SELECT 1 FROM pg_available_extension_versions WHERE name = ? AND version = ?";
    List<String> otherVersion = new ArrayList<>();
    List<String> missing = Connections.callMaintenance(request.target(), "listing extensions on " + request.targetBox(),
        c -> {
          List<String> out = new ArrayList<>();
          for (Map.Entry<String, String> e : used.entrySet()) {
            if (!Jdbc.exists(c, sql, e.getKey(), e.getValue())) {
              out.add(e.getKey() + " " + e.getValue() + ": not installable on " + request.targetBox()
                  + " at that version (install the extension's package for the target's PostgreSQL)");
              continue;
            }
            String installs = Jdbc.query(c, "SELECT default_version FROM pg_available_extensions WHERE name = ?",
                e.getKey());
            if (!e.getValue().equals(installs)) {
              otherVersion.add(e.getKey() + " " + e.getValue() + ": " + request.targetBox() + " installs " + installs);
            }
          }
          return out;
        });
    return new ExtensionCheck(used.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList(), missing,
        otherVersion);
  }

  @Override
  public List<GuardResult> checkGuards(GuardRequest request) {
    return Connections.call(request.database(), "checking guards on " + request.box(), c -> {
      List<GuardResult> out = new ArrayList<>();
      c.setAutoCommit(false);
      c.setReadOnly(true);
      for (Settle.Guard guard : request.guards()) {
        out.add(check(c, guard));
      }
      c.rollback();
      return out;
    });
  }

  private static GuardResult check(Connection c, Settle.Guard guard) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SAVEPOINT guard");
      s.setQueryTimeout(30);
      try (ResultSet rs = s.executeQuery(guard.sql())) {
        boolean holds = rs.next() && rs.getBoolean(1);
        s.execute("RELEASE SAVEPOINT guard");
        return new GuardResult(guard.name(), holds, null);
      } catch (SQLException e) {
        s.execute("ROLLBACK TO SAVEPOINT guard");
        return new GuardResult(guard.name(), false, e.getMessage());
      }
    }
  }
}
