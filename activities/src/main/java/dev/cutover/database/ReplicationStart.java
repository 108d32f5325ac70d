package dev.cutover.database;

import dev.cutover.database.CopyActivities.CopyRequest;
import dev.cutover.database.CopyActivities.LogicalRequest;
import dev.cutover.database.CopyActivities.LogicalStarted;
import dev.cutover.plan.Database;
import dev.cutover.support.Heartbeats;
import dev.cutover.workflow.CutoverFailure;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pre-sync of the {@code logical} copy: a publication on the source, the schema restored on the target, and
 * a subscription there whose initial copy runs while the source serves. The publication's comment is the
 * source's record of what pre-sync did there (the subscription's oid, which names its table-sync slots, and
 * the tables it set to {@code REPLICA IDENTITY FULL}); {@link ReplicationCleanup} reads it.
 */
final class ReplicationStart {

  private ReplicationStart() {}

  static LogicalStarted start(LogicalRequest r) {
    long started = System.nanoTime();
    String name = ReplicationNames.copy(r.app());
    LogicalStarted reused = reusable(r, name, started);
    if (reused != null) {
      return reused;
    }
    // Anything of an earlier attempt goes first: a database with a subscription cannot be dropped.
    ReplicationCleanup.run(r);
    int sourceMajor = ServerFacts.major(r.source(), r.sourceBox());
    int targetMajor;
    try (Connection c = Connections.openMaintenance(r.target())) {
      // The target database may not exist yet: ask the server's maintenance database.
      targetMajor = Integer.parseInt(Jdbc.query(c, "SELECT current_setting('server_version_num')")) / 10000;
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("connecting to " + r.targetBox() + ": " + e.getMessage(), e);
    }
    if (targetMajor < sourceMajor) {
      throw CutoverFailure.VERSION_INCOMPATIBLE.failure(
          "target PostgreSQL " + targetMajor + " is older than the source's " + sourceMajor);
    }
    List<Long> identityFull = new ArrayList<>();
    List<Long> identityNothing = new ArrayList<>();
    List<String> identityNames = new ArrayList<>();
    try (Connection c = Connections.open(r.source())) {
      Map<Long, String> keyless = ReplicationCatalog.keylessTables(c);
      if (!keyless.isEmpty() && !r.copy().replicaIdentityFull()) {
        throw CutoverFailure.NOT_SUPPORTED.failure("tables without a key or replica identity: "
            + String.join(", ", keyless.values()) + "; set copy.replicaIdentityFull: true or give them one");
      }
      // One transaction: the app's updates of a keyless table must never meet the publication without the
      // identity, and the publication's comment must record every identity changed.
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        // ALTER TABLE waits for every open transaction on the table: give up rather than stall the app.
        s.execute("SET LOCAL lock_timeout = '5s'");
        for (Map.Entry<Long, String> t : keyless.entrySet()) {
          // Identity NOTHING must come back as NOTHING, not as the default.
          if ("n".equals(Jdbc.query(c, "SELECT relreplident::text FROM pg_class WHERE oid = ?::oid",
              Long.toString(t.getKey())))) {
            identityNothing.add(t.getKey());
          }
          s.execute("ALTER TABLE " + t.getValue() + " REPLICA IDENTITY FULL");
          identityFull.add(t.getKey());
          identityNames.add(t.getValue());
        }
        createPublication(c, r, name, null, identityFull, identityNothing);
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("publishing " + r.sourceBox() + ": " + e.getMessage(), e);
    }
    TargetDatabases.recreate(r.app(), r.moveId(), r.target(), ServerFacts.encoding(r.source()));
    DumpRestore.schemaOnly(copyRequest(r), sourceMajor, targetMajor, p -> Heartbeats.send(
        Map.of("phase", "schema", "bytes", p.getOrDefault("bytes", 0))));
    int tables;
    try (Connection source = Connections.open(r.source()); Connection target = Connections.open(r.target())) {
      try (Statement s = target.createStatement()) {
        // The schema dump carried the publication along; on the target it would only be clutter.
        s.execute("DROP PUBLICATION IF EXISTS " + Sql.ident(name));
        // The password is never part of this string: it would be readable in pg_subscription.
        s.execute("CREATE SUBSCRIPTION " + Sql.ident(name) + " CONNECTION " + Sql.literal(conninfo(r.source(), name))
            + " PUBLICATION " + Sql.ident(name) + " WITH (copy_data = true, create_slot = true, slot_name = "
            + Sql.literal(name) + ")");
      }
      long subscription = ReplicationCatalog.subscriptionOid(target, name);
      createPublication(source, r, name, subscription, identityFull, identityNothing);
      tables = Integer.parseInt(Jdbc.query(target, "SELECT count(*) FROM pg_subscription_rel WHERE srsubid = ?::oid",
          Long.toString(subscription)));
      // The app on the target (if started ahead) must not write while the subscription does.
      Fence.fence(target, r.app());
    } catch (SQLException e) {
      throw CutoverFailure.COPY_FAILED.failure("starting logical replication from " + r.sourceBox() + " to "
          + r.targetBox() + ": " + e.getMessage(), e);
    }
    return new LogicalStarted(name, false, tables, identityNames, (System.nanoTime() - started) / 1_000_000);
  }

  /** A retry of this same move whose subscription already exists continues with it. */
  private static LogicalStarted reusable(LogicalRequest r, String name, long started) {
    try (Connection target = Connections.open(r.target()); Connection source = Connections.open(r.source())) {
      String marker = TargetDatabases.marker(target, Fence.currentDatabase(target));
      Long subscription = ReplicationCatalog.findSubscription(target, name);
      Map<String, String> published = Markers.fields(ReplicationCatalog.publicationComment(source, name));
      if (subscription == null || !Markers.isOurs(marker, r.app())
          || !r.moveId().equals(Markers.fields(marker).get("move")) || !r.moveId().equals(published.get("move"))
          || !Long.toString(subscription).equals(published.get("subscription")) || !ReplicationCatalog.slotExists(source, name)) {
        return null;
      }
      int tables = Integer.parseInt(Jdbc.query(target, "SELECT count(*) FROM pg_subscription_rel WHERE srsubid = ?::oid",
          Long.toString(subscription)));
      Fence.fence(target, r.app());
      List<String> identity = new ArrayList<>();
      for (long oid : ReplicationCatalog.oids(published.get("identityFull"))) {
        identity.add(Jdbc.query(source, "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ?::oid", Long.toString(oid)));
      }
      return new LogicalStarted(name, true, tables, identity, (System.nanoTime() - started) / 1_000_000);
    } catch (SQLException e) {
      // No target database yet, or something half made: start over.
      return null;
    }
  }

  private static void createPublication(Connection c, LogicalRequest r, String name, Long subscription,
      List<Long> identityFull, List<Long> identityNothing) throws SQLException {
    try (Statement s = c.createStatement()) {
      if (!ReplicationCatalog.publicationExists(c, name)) {
        s.execute("CREATE PUBLICATION " + Sql.ident(name) + " FOR ALL TABLES");
      }
      String comment = Markers.PREFIX + "app=" + r.app() + ";move=" + r.moveId()
          + (subscription == null ? "" : ";subscription=" + subscription)
          + ";identityFull=" + String.join(",", identityFull.stream().map(String::valueOf).toList())
          + (identityNothing.isEmpty() ? ""
              : ";identityNothing=" + String.join(",", identityNothing.stream().map(String::valueOf).toList()));
      s.execute("COMMENT ON PUBLICATION " + Sql.ident(name) + " IS " + Sql.literal(comment));
    }
  }

  /**
   * libpq's key/value form: each value single-quoted with backslash escapes, so a host or name with
   * spaces or quotes cannot add keys of its own.
   */
  static String conninfo(Database source, String applicationName) {
    Connections.Address a = Connections.address(source);
    Map<String, String> keys = new LinkedHashMap<>();
    keys.put("host", a.host());
    keys.put("port", Integer.toString(a.port()));
    keys.put("dbname", a.database());
    keys.put("user", source.user());
    keys.put("application_name", applicationName);
    keys.put("connect_timeout", "10");
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> e : keys.entrySet()) {
      if (out.length() > 0) {
        out.append(' ');
      }
      out.append(e.getKey()).append("='")
          .append(e.getValue().replace("\\", "\\\\").replace("'", "\\'")).append('\'');
    }
    return out.toString();
  }

  private static CopyRequest copyRequest(LogicalRequest r) {
    return new CopyRequest(r.app(), r.moveId(), r.sourceBox(), r.source(), r.targetBox(), r.target(), r.copy());
  }
}
