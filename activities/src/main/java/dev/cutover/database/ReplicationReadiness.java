package dev.cutover.database;

import dev.cutover.database.CopyActivities.LogicalIssue;
import dev.cutover.database.CopyActivities.LogicalReadiness;
import dev.cutover.database.CopyActivities.LogicalRequest;
import dev.cutover.workflow.CutoverFailure;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Preflight for {@code copy.strategy: logical}: what the source and target servers lack for logical
 * replication, each item with its fix. Changes nothing.
 */
final class ReplicationReadiness {

  private static final Logger log = LoggerFactory.getLogger(ReplicationReadiness.class);

  private ReplicationReadiness() {}

  static LogicalReadiness check(LogicalRequest r) {
    String name = ReplicationNames.copy(r.app());
    List<LogicalIssue> issues = new ArrayList<>();
    String walLevel;
    int freeSlots;
    int freeSenders;
    List<String> keyless;
    long largeObjects;
    java.util.Map<Long, String> unlogged;
    int tables;
    try (Connection c = Connections.open(r.source())) {
      walLevel = Jdbc.query(c, "SELECT current_setting('wal_level')");
      // A slot or walsender of our own from an earlier attempt is reused or dropped: it counts as free.
      freeSlots = Integer.parseInt(Jdbc.query(c, "SELECT current_setting('max_replication_slots')::int"
          + " - (SELECT count(*) FROM pg_replication_slots WHERE slot_name <> ? AND slot_name NOT LIKE 'pg\\_%\\_sync\\_%')",
          name));
      freeSenders = Integer.parseInt(Jdbc.query(c, "SELECT current_setting('max_wal_senders')::int"
          + " - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender'"
          + " AND coalesce(application_name, '') <> ?)", name));
      keyless = ReplicationCatalog.keylessTables(c).values().stream().toList();
      largeObjects = Long.parseLong(Jdbc.query(c, "SELECT count(*) FROM pg_largeobject_metadata"));
      unlogged = Unreplicated.unlogged(c);
      tables = Integer.parseInt(Jdbc.query(c, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE c.relkind = 'r' AND " + Catalog.userSchema("n.nspname")));
      boolean superuser = Boolean.parseBoolean(Jdbc.query(c, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user"));
      if (!"logical".equals(walLevel)) {
        issues.add(new LogicalIssue(true, "source wal_level",
            "wal_level is " + walLevel + " on " + r.sourceBox() + "; logical replication needs logical",
            "ALTER SYSTEM SET wal_level = logical on " + r.sourceBox() + " and restart PostgreSQL there"));
      }
      if (freeSlots < 1) {
        issues.add(new LogicalIssue(true, "source replication slots",
            "no free replication slot on " + r.sourceBox() + " (max_replication_slots is used up)",
            "raise max_replication_slots on " + r.sourceBox() + " and restart, or drop an unused slot"));
      } else if (freeSlots < 2) {
        issues.add(new LogicalIssue(false, "source replication slots", "one free replication slot on "
            + r.sourceBox() + ": none left for the change log of verify before the freeze, so the freeze"
            + " fingerprints every row and the initial copy syncs tables one at a time",
            "raise max_replication_slots on " + r.sourceBox() + " and restart"));
      } else if (freeSlots < 3) {
        issues.add(new LogicalIssue(false, "source replication slots", freeSlots + " free replication slot(s) on "
            + r.sourceBox() + ": the initial copy syncs tables one at a time beyond the first slot",
            "raise max_replication_slots on " + r.sourceBox() + " to copy tables in parallel"));
      }
      if (freeSenders < 1) {
        issues.add(new LogicalIssue(true, "source wal senders",
            "no free WAL sender on " + r.sourceBox() + " (max_wal_senders is used up)",
            "raise max_wal_senders on " + r.sourceBox() + " and restart"));
      } else if (freeSenders < 3) {
        issues.add(new LogicalIssue(false, "source wal senders", freeSenders + " free WAL sender(s) on "
            + r.sourceBox() + ": the initial copy syncs fewer tables at a time",
            "raise max_wal_senders on " + r.sourceBox()));
      }
      if (!superuser) {
        issues.add(new LogicalIssue(true, "source privileges",
            r.source().user() + " is not a superuser on " + r.sourceBox()
                + ": a publication FOR ALL TABLES and its replication connection need one",
            "connect to the source as a superuser for the move"));
      }
      if (!keyless.isEmpty()) {
        if (r.copy().replicaIdentityFull()) {
          issues.add(new LogicalIssue(false, "replica identity", keyless.size() + " table(s) without a key will be"
              + " set to REPLICA IDENTITY FULL at pre-sync: " + String.join(", ", keyless)
              + "; every update or delete there then writes the whole old row to the WAL, and the target"
              + " finds each such row by a scan", "add primary keys to these tables to avoid the cost"));
        } else {
          issues.add(new LogicalIssue(true, "replica identity", "tables without a primary key or replica"
              + " identity: " + String.join(", ", keyless) + "; once published, their updates and deletes"
              + " would fail on the source", "ALTER TABLE <table> REPLICA IDENTITY FULL (or add a primary key)"
              + " for each, or set copy.replicaIdentityFull: true to have pre-sync do it"));
        }
      }
      if (!unlogged.isEmpty()) {
        issues.add(new LogicalIssue(false, "unlogged tables", unlogged.size() + " unlogged table(s) on " + r.sourceBox()
            + ", which logical replication does not carry: " + String.join(", ", unlogged.values())
            + "; the catch-up copies them whole inside the blackout (it grows with their size) and the verify gate"
            + " proves them like every other table",
            "ALTER TABLE ... SET LOGGED before the move to keep them out of the blackout"));
      }
      if (largeObjects > 0) {
        issues.add(new LogicalIssue(false, "large objects", largeObjects + " large object(s) on " + r.sourceBox()
            + ": logical replication does not carry them, so the catch-up copies them inside the blackout",
            "move large objects into bytea columns to keep them out of the blackout"));
      }
      if (r.copy().keepsFallbackCurrent()
          && Integer.parseInt(Jdbc.query(c, "SELECT current_setting('max_logical_replication_workers')")) < 1) {
        issues.add(new LogicalIssue(true, "source workers", "max_logical_replication_workers is 0 on " + r.sourceBox()
            + ": it cannot apply the reverse stream of copy.rollbackWindow",
            "raise max_logical_replication_workers on " + r.sourceBox() + " and restart, or leave copy.rollbackWindow out"));
      }
      if (r.copy().keepsFallbackCurrent() && (r.target().passwordEnv() != null || r.target().passwordFile() != null)) {
        issues.add(new LogicalIssue(false, "reverse stream password", "after the switch " + r.sourceBox()
            + " connects to " + r.targetBox() + " itself for the reverse stream, and cutover writes no password into"
            + " its catalog", "give the OS user running PostgreSQL on " + r.sourceBox() + " a ~/.pgpass line for the"
                + " target (host:port:database:user:password), or let its address in by pg_hba.conf"));
      }
      if (r.source().passwordEnv() != null || r.source().passwordFile() != null) {
        issues.add(new LogicalIssue(false, "replication password", "the target server connects to the source"
            + " itself, and cutover does not write the source's password into the target's catalog",
            "give the OS user running PostgreSQL on " + r.targetBox() + " a ~/.pgpass line for the source"
                + " (host:port:database:user:password), or let the target's address in by pg_hba.conf"));
      }
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("checking " + r.sourceBox() + " for logical replication: "
          + e.getMessage(), e);
    }
    try (Connection c = Connections.openMaintenance(r.target())) {
      boolean superuser = Boolean.parseBoolean(Jdbc.query(c, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user"));
      if (!superuser) {
        issues.add(new LogicalIssue(true, "target privileges", r.target().user() + " is not a superuser on "
            + r.targetBox() + ": creating a subscription needs one", "connect to the target as a superuser for the move"));
      }
      // On the subscriber, each subscription and each table being synced takes a replication origin.
      int freeOrigins = Integer.parseInt(Jdbc.query(c, "SELECT current_setting('max_replication_slots')::int"
          + " - (SELECT count(*) FROM pg_replication_origin)"));
      if (freeOrigins < 1) {
        issues.add(new LogicalIssue(true, "target replication origins", "max_replication_slots on "
            + r.targetBox() + " leaves no room for a subscription",
            "raise max_replication_slots on " + r.targetBox() + " and restart"));
      }
      String targetWalLevel = Jdbc.query(c, "SELECT current_setting('wal_level')");
      boolean window = r.copy().keepsFallbackCurrent();
      if (window && !"logical".equals(targetWalLevel)) {
        issues.add(new LogicalIssue(true, "target wal_level", "wal_level is " + targetWalLevel + " on " + r.targetBox()
            + ": copy.rollbackWindow streams it back to " + r.sourceBox() + " after the switch, which needs logical",
            "ALTER SYSTEM SET wal_level = logical on " + r.targetBox() + " and restart PostgreSQL there, or leave"
                + " copy.rollbackWindow out"));
      } else if (!"logical".equals(targetWalLevel)) {
        issues.add(new LogicalIssue(false, "target wal_level", "wal_level is " + targetWalLevel + " on " + r.targetBox()
            + ": verify before the freeze cannot record the target's changes, so the freeze fingerprints every row"
            + " and the blackout grows with the database",
            "ALTER SYSTEM SET wal_level = logical on " + r.targetBox() + " and restart PostgreSQL there"));
      }
      int workers = Integer.parseInt(Jdbc.query(c, "SELECT current_setting('max_logical_replication_workers')"));
      if (workers < 1) {
        issues.add(new LogicalIssue(true, "target workers", "max_logical_replication_workers is 0 on " + r.targetBox(),
            "raise max_logical_replication_workers on " + r.targetBox() + " and restart"));
      }
      if (window) {
        int senders = Integer.parseInt(Jdbc.query(c, "SELECT current_setting('max_wal_senders')::int"
            + " - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender')"));
        if (senders < 1) {
          issues.add(new LogicalIssue(true, "target wal senders", "no free WAL sender on " + r.targetBox()
              + " for the reverse stream of copy.rollbackWindow", "raise max_wal_senders on " + r.targetBox()));
        }
      }
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("checking " + r.targetBox() + " for logical replication: "
          + e.getMessage(), e);
    }
    log.info("logical readiness of {}: {} tables, {} issues", r.app(), tables, issues.size());
    return new LogicalReadiness(walLevel, freeSlots, freeSenders, keyless, largeObjects, issues);
  }
}
