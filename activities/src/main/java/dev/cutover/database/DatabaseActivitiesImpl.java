package dev.cutover.database;

import dev.cutover.plan.Database;
import dev.cutover.plan.Settle;
import dev.cutover.plan.Verify;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.workflow.CutoverFailure;
import dev.cutover.support.Heartbeats;
import io.temporal.failure.ApplicationFailure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** PostgreSQL over JDBC and the libpq tools. Plain constructor: usable with or without Spring. */
public class DatabaseActivitiesImpl implements DatabaseActivities {

  private static final Logger log = LoggerFactory.getLogger(DatabaseActivitiesImpl.class);
  private static final String UNDEFINED_DATABASE = "3D000";

  private final Fingerprinter.Options fingerprintOptions;
  private final LogicalReplication logical = new LogicalReplication(this);

  public DatabaseActivitiesImpl() {
    this(Fingerprinter.Options.DEFAULT);
  }

  /** Tests shrink the chunks to see many of them on small tables. */
  DatabaseActivitiesImpl(Fingerprinter.Options fingerprintOptions) {
    this.fingerprintOptions = fingerprintOptions;
  }

  @Override
  public DatabaseInfo inspect(InspectRequest request) {
    Database db = request.database();
    try (Connection c = Connections.open(db)) {
      return new DatabaseInfo(
          request.box(), true, true, null, versionNum(c), version(c), size(c),
          Fingerprinter.tables(c).size(), marker(c, Connections.address(db).database()), Fence.isFenced(c),
          Fence.fencedBy(c));
    } catch (SQLException e) {
      if (!UNDEFINED_DATABASE.equals(e.getSQLState())) {
        return unreachable(request, e.getMessage());
      }
    } catch (ApplicationFailure e) {
      return unreachable(request, e.getOriginalMessage());
    }
    try (Connection c = Connections.openMaintenance(db)) {
      return new DatabaseInfo(request.box(), true, false, null, versionNum(c), version(c), null, 0, null, false, null);
    } catch (SQLException e) {
      return unreachable(request, e.getMessage());
    }
  }

  @Override
  public TargetPrepared prepareTarget(TargetRequest request) {
    return recreate(request.app(), request.moveId(), request.database(), null);
  }

  @Override
  public TargetPrepared claimTarget(TargetRequest request) {
    String name = Connections.address(request.database()).database();
    try (Connection c = Connections.openMaintenance(request.database())) {
      if (!exists(c, name)) {
        return new TargetPrepared(false, null);
      }
      String marker = marker(c, name);
      if (Markers.isOurs(marker, request.app()) && Markers.isLive(marker)) {
        throw CutoverFailure.TARGET_NOT_OURS.failure("target database " + name + " is live (a completed move serves from it)");
      }
      String claimed = Markers.of(request.app(), request.moveId(), Markers.COPIED);
      comment(c, name, claimed);
      return new TargetPrepared(false, claimed);
    } catch (SQLException e) {
      throw Connections.failure("claiming target " + name, e);
    }
  }

  @Override
  public void dropTarget(TargetRequest request) {
    String name = Connections.address(request.database()).database();
    try (Connection c = Connections.openMaintenance(request.database())) {
      if (!exists(c, name)) {
        return;
      }
      String marker = marker(c, name);
      if (!Markers.isOurs(marker, request.app()) || Markers.isLive(marker)) {
        log.warn("not dropping {} on {}: it is not a copy made by a move of {}", name, request.box(), request.app());
        return;
      }
      try (Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + Sql.ident(name) + " WITH (FORCE)");
      }
    } catch (SQLException e) {
      throw Connections.failure("dropping target " + name, e);
    }
  }

  @Override
  public void markTargetLive(TargetRequest request) {
    String name = Connections.address(request.database()).database();
    try (Connection c = Connections.openMaintenance(request.database())) {
      comment(c, name, Markers.of(request.app(), request.moveId(), Markers.LIVE));
    } catch (SQLException e) {
      throw Connections.failure("marking " + name + " live", e);
    }
  }

  @Override
  public FenceResult fence(FenceRequest request) {
    try (Connection c = Connections.open(request.database())) {
      return Fence.fence(c, request.app());
    } catch (SQLException e) {
      throw Connections.failure("fencing " + request.box(), e);
    }
  }

  @Override
  public void unfence(FenceRequest request) {
    try (Connection c = Connections.open(request.database())) {
      Fence.unfence(c);
    } catch (SQLException e) {
      throw Connections.failure("unfencing " + request.box(), e);
    }
  }

  @Override
  public CopyResult copy(CopyRequest request) {
    int sourceMajor = serverMajor(request.source(), request.sourceBox());
    recreate(request.app(), request.moveId(), request.target(), encoding(request.source()));
    int targetMajor = serverMajor(request.target(), request.targetBox());
    if (targetMajor < sourceMajor) {
      throw CutoverFailure.VERSION_INCOMPATIBLE.failure(
          "target PostgreSQL " + targetMajor + " is older than the source's " + sourceMajor);
    }
    CopyResult copied =
        DumpRestore.copy(request, sourceMajor, targetMajor, DatabaseActivitiesImpl::heartbeat);
    try (Connection c = Connections.open(request.target())) {
      // The target stays fenced against the app until the switch.
      Fence.fence(c, request.app());
      return new CopyResult(copied.bytes(), Fingerprinter.tables(c).size(), copied.dumpMillis(), copied.totalMillis());
    } catch (SQLException e) {
      throw Connections.failure("fencing the copy on " + request.targetBox(), e);
    }
  }

  @Override
  public ExtensionCheck checkExtensions(ExtensionRequest request) {
    Map<String, String> used = new java.util.TreeMap<>();
    try (Connection c = Connections.open(request.source());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT extname, extversion FROM pg_extension WHERE extname <> 'plpgsql'")) {
      while (rs.next()) {
        used.put(rs.getString(1), rs.getString(2));
      }
    } catch (SQLException e) {
      throw Connections.failure("listing extensions on " + request.sourceBox(), e);
    }
    List<String> missing = new ArrayList<>();
    // pg_available_extension_versions lists what the target server's files could install, in any database.
    String sql = "SELECT 1 FROM pg_available_extension_versions WHERE name = ? AND version = ?";
    try (Connection c = Connections.openMaintenance(request.target()); PreparedStatement ps = c.prepareStatement(sql)) {
      for (Map.Entry<String, String> e : used.entrySet()) {
        ps.setString(1, e.getKey());
        ps.setString(2, e.getValue());
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            missing.add(e.getKey() + " " + e.getValue() + ": not installable on " + request.targetBox()
                + " at that version (install the extension's package for the target's PostgreSQL)");
          }
        }
      }
    } catch (SQLException e) {
      throw Connections.failure("listing extensions on " + request.targetBox(), e);
    }
    return new ExtensionCheck(used.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList(), missing);
  }

  @Override
  public LogicalReadiness checkLogical(LogicalRequest request) {
    return logical.readiness(request);
  }

  @Override
  public LogicalStarted startLogical(LogicalRequest request) {
    return logical.start(request);
  }

  @Override
  public LogicalLag lag(LogicalRequest request) {
    return logical.lag(request);
  }

  @Override
  public LogicalLag awaitInitialCopy(LogicalWaitRequest request) {
    return logical.awaitInitialCopy(request);
  }

  @Override
  public LogicalCaughtUp catchUp(LogicalWaitRequest request) {
    return logical.catchUp(request);
  }

  @Override
  public void cleanupLogical(LogicalRequest request) {
    logical.cleanup(request);
  }

  @Override
  public DatabaseFingerprint fingerprint(FingerprintRequest request) {
    try (Connection c = Connections.open(request.database())) {
      return Fingerprinter.fingerprint(c, () -> Connections.open(request.database()), request.box(),
          request.verify(), fingerprintOptions, p -> heartbeat(Map.of("progress", p)));
    } catch (SQLException e) {
      throw Connections.failure("fingerprinting " + request.box(), e);
    }
  }

  @Override
  public ChangeLogStarted startChangeLog(ChangeLogRequest request) {
    try (Connection c = Connections.open(request.database())) {
      Fence.asMover(c);
      return Recheck.start(c, ChangeLog.name(request.app(), request.side()), Verify.ALL);
    } catch (SQLException e) {
      throw Connections.failure("starting the change log on " + request.box(), e);
    }
  }

  @Override
  public ChangesVerified verifyChanges(ChangesRequest request) {
    try {
      return Recheck.verify(request, fingerprintOptions, p -> heartbeat(Map.of("progress", p)));
    } catch (SQLException e) {
      throw Connections.failure("re-checking changes on " + request.sourceBox() + " and " + request.targetBox(), e);
    }
  }

  @Override
  public BaselineKeys narrowBaselines(BaselineNarrowRequest request) {
    try {
      return Recheck.narrow(request, p -> heartbeat(Map.of("progress", p)));
    } catch (SQLException e) {
      throw Connections.failure("narrowing the baselines' differences on " + request.sourceBox() + " and "
          + request.targetBox(), e);
    }
  }

  @Override
  public void dropChangeLog(ChangeLogRequest request) {
    try (Connection c = Connections.open(request.database())) {
      Fence.asMover(c);
      ChangeLog.drop(c, ChangeLog.name(request.app(), request.side()));
    } catch (SQLException e) {
      if (!"3D000".equals(e.getSQLState())) {
        throw Connections.failure("dropping the change log on " + request.box(), e);
      }
    }
  }

  @Override
  public TableDifference narrow(NarrowRequest request) {
    try (Connection source = Connections.open(request.source());
        Connection target = Connections.open(request.target())) {
      return Narrower.narrow(source, target, request);
    } catch (SQLException e) {
      throw Connections.failure("listing differences in " + request.table(), e);
    }
  }

  @Override
  public List<GuardResult> checkGuards(GuardRequest request) {
    List<GuardResult> out = new ArrayList<>();
    try (Connection c = Connections.open(request.database())) {
      c.setAutoCommit(false);
      c.setReadOnly(true);
      for (Settle.Guard guard : request.guards()) {
        out.add(check(c, guard));
      }
      c.rollback();
    } catch (SQLException e) {
      throw Connections.failure("checking guards on " + request.box(), e);
    }
    return out;
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

  /**
   * Creates the target database, or drops and recreates one that an earlier attempt of this app's move
   * made (its marker proves it). Anything else is refused: cutover never overwrites a database it did
   * not create.
   */
  TargetPrepared recreate(String app, String moveId, Database target, String encoding) {
    String name = Connections.address(target).database();
    try (Connection c = Connections.openMaintenance(target)) {
      boolean existed = exists(c, name);
      if (existed) {
        String marker = marker(c, name);
        boolean fallback = app.equals(fencedBy(c, name));
        if (!fallback && !Markers.isOurs(marker, app)) {
          throw CutoverFailure.TARGET_NOT_OURS.failure(
              "target database " + name + " exists and was not created by a cutover move of " + app);
        }
        if (!fallback && Markers.isLive(marker)) {
          throw CutoverFailure.TARGET_NOT_OURS.failure(
              "target database " + name + " is live (a completed move serves from it)");
        }
      }
      // CREATE DATABASE and COMMENT cannot share a transaction, and a worker can die between them. So
      // the new database is made and marked under a name reserved for this, and only then renamed over
      // the old one: after a crash at any point, every database called `name` is either the old one
      // (checked above) or a marked copy, and a leftover of the reserved name is simply dropped.
      String building = Markers.buildingName(name);
      String marker = Markers.of(app, moveId, Markers.COPIED);
      try (Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + Sql.ident(building) + " WITH (FORCE)");
        s.execute("CREATE DATABASE " + Sql.ident(building) + " TEMPLATE template0"
            + (encoding == null ? "" : " ENCODING " + Sql.literal(encoding)));
        comment(c, building, marker);
        s.execute("DROP DATABASE IF EXISTS " + Sql.ident(name) + " WITH (FORCE)");
        s.execute("ALTER DATABASE " + Sql.ident(building) + " RENAME TO " + Sql.ident(name));
      }
      return new TargetPrepared(!existed, marker);
    } catch (SQLException e) {
      throw Connections.failure("preparing target " + name, e);
    }
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

  static void comment(Connection c, String database, String marker) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("COMMENT ON DATABASE " + Sql.ident(database) + " IS " + Sql.literal(marker));
    }
  }

  static boolean exists(Connection c, String database) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      ps.setString(1, database);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  static String marker(Connection c, String database) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = ?")) {
      ps.setString(1, database);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  static int serverMajor(Database db, String box) {
    try (Connection c = Connections.open(db)) {
      return versionNum(c) / 10000;
    } catch (SQLException e) {
      throw Connections.failure("connecting to " + box, e);
    }
  }

  static String encoding(Database db) {
    try (Connection c = Connections.open(db);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = current_database()")) {
      rs.next();
      return rs.getString(1);
    } catch (SQLException e) {
      throw Connections.failure("reading the source's encoding", e);
    }
  }

  private static int versionNum(Connection c) throws SQLException {
    return Integer.parseInt(scalar(c, "SELECT current_setting('server_version_num')"));
  }

  private static String version(Connection c) throws SQLException {
    return "PostgreSQL " + scalar(c, "SELECT split_part(current_setting('server_version'), ' ', 1)");
  }

  private static long size(Connection c) throws SQLException {
    return Long.parseLong(scalar(c, "SELECT pg_database_size(current_database())"));
  }

  private static String scalar(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static DatabaseInfo unreachable(InspectRequest request, String error) {
    return new DatabaseInfo(request.box(), false, false, error, null, null, null, null, null, false, null);
  }

  static void heartbeat(Object details) {
    Heartbeats.send(details);
  }

}
