package dev.cutover.database;

import dev.cutover.database.DatabaseActivities.CopyRequest;
import dev.cutover.database.DatabaseActivities.LogicalCaughtUp;
import dev.cutover.database.DatabaseActivities.LogicalIssue;
import dev.cutover.database.DatabaseActivities.LogicalLag;
import dev.cutover.database.DatabaseActivities.LogicalReadiness;
import dev.cutover.database.DatabaseActivities.LogicalRequest;
import dev.cutover.database.DatabaseActivities.LogicalStarted;
import dev.cutover.database.DatabaseActivities.LogicalWaitRequest;
import dev.cutover.plan.Database;
import dev.cutover.workflow.CutoverFailure;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code logical} copy: a publication on the source, a subscription on the target, the initial copy
 * while the source serves, and only the catch-up to the fence position inside the blackout.
 *
 * <p>Everything this class creates is named {@code cutover_<app>}, so a retry or a cleanup finds it without
 * the workflow remembering anything. The publication's comment is the source's record of what pre-sync
 * did there (the subscription's oid, which names its table-sync slots, and the tables it set to
 * {@code REPLICA IDENTITY FULL}); it is dropped last, so an interrupted cleanup can still read it.
 */
final class LogicalReplication {

  private static final Logger log = LoggerFactory.getLogger(LogicalReplication.class);
  private static final String UNDEFINED_DATABASE = "3D000";
  /** The marker field a target carries once it has applied the fence position: catch-up's proof of done. */
  static final String CAUGHT_UP = "logical";
  private static final Duration SLOT_RELEASE = Duration.ofSeconds(30);
  private static final int LARGE_OBJECT_CHUNK = 1 << 20;

  private final DatabaseActivitiesImpl databases;

  LogicalReplication(DatabaseActivitiesImpl databases) {
    this.databases = databases;
  }

  /**
   * Publication, subscription and slot name. Slot names allow lowercase letters, digits and '_' up to 63
   * bytes; app names are lowercase slugs with '-', so the mapping is one to one until it must be shortened,
   * and then a hash of the whole app name keeps it so.
   */
  static String name(String app) {
    String name = "cutover_" + app.toLowerCase().replaceAll("[^a-z0-9_]", "_");
    if (name.length() <= 63) {
      return name;
    }
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(app.getBytes(StandardCharsets.UTF_8));
      return name.substring(0, 54) + "_" + HexFormat.of().formatHex(hash, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---------------------------------------------------------------- readiness

  LogicalReadiness readiness(LogicalRequest r) {
    String name = name(r.app());
    List<LogicalIssue> issues = new ArrayList<>();
    String walLevel;
    int freeSlots;
    int freeSenders;
    List<String> keyless;
    long largeObjects;
    int tables;
    try (Connection c = Connections.open(r.source())) {
      walLevel = scalar(c, "SELECT current_setting('wal_level')");
      // A slot or walsender of our own from an earlier attempt is reused or dropped: it counts as free.
      freeSlots = Integer.parseInt(query(c, "SELECT current_setting('max_replication_slots')::int"
          + " - (SELECT count(*) FROM pg_replication_slots WHERE slot_name <> ? AND slot_name NOT LIKE 'pg\\_%\\_sync\\_%')",
          name));
      freeSenders = Integer.parseInt(query(c, "SELECT current_setting('max_wal_senders')::int"
          + " - (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender'"
          + " AND coalesce(application_name, '') <> ?)", name));
      keyless = keylessTables(c).values().stream().toList();
      largeObjects = Long.parseLong(scalar(c, "SELECT count(*) FROM pg_largeobject_metadata"));
      tables = Integer.parseInt(scalar(c, "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
          + " WHERE c.relkind = 'r' AND " + userSchema("n.nspname")));
      boolean superuser = Boolean.parseBoolean(scalar(c, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user"));
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
      if (largeObjects > 0) {
        issues.add(new LogicalIssue(false, "large objects", largeObjects + " large object(s) on " + r.sourceBox()
            + ": logical replication does not carry them, so the catch-up copies them inside the blackout",
            "move large objects into bytea columns to keep them out of the blackout"));
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
      boolean superuser = Boolean.parseBoolean(scalar(c, "SELECT rolsuper::text FROM pg_roles WHERE rolname = current_user"));
      if (!superuser) {
        issues.add(new LogicalIssue(true, "target privileges", r.target().user() + " is not a superuser on "
            + r.targetBox() + ": creating a subscription needs one", "connect to the target as a superuser for the move"));
      }
      // On the subscriber, each subscription and each table being synced takes a replication origin.
      int freeOrigins = Integer.parseInt(scalar(c, "SELECT current_setting('max_replication_slots')::int"
          + " - (SELECT count(*) FROM pg_replication_origin)"));
      if (freeOrigins < 1) {
        issues.add(new LogicalIssue(true, "target replication origins", "max_replication_slots on "
            + r.targetBox() + " leaves no room for a subscription",
            "raise max_replication_slots on " + r.targetBox() + " and restart"));
      }
      String targetWalLevel = scalar(c, "SELECT current_setting('wal_level')");
      if (!"logical".equals(targetWalLevel)) {
        issues.add(new LogicalIssue(false, "target wal_level", "wal_level is " + targetWalLevel + " on " + r.targetBox()
            + ": verify before the freeze cannot record the target's changes, so the freeze fingerprints every row"
            + " and the blackout grows with the database",
            "ALTER SYSTEM SET wal_level = logical on " + r.targetBox() + " and restart PostgreSQL there"));
      }
      int workers = Integer.parseInt(scalar(c, "SELECT current_setting('max_logical_replication_workers')"));
      if (workers < 1) {
        issues.add(new LogicalIssue(true, "target workers", "max_logical_replication_workers is 0 on " + r.targetBox(),
            "raise max_logical_replication_workers on " + r.targetBox() + " and restart"));
      }
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("checking " + r.targetBox() + " for logical replication: "
          + e.getMessage(), e);
    }
    log.info("logical readiness of {}: {} tables, {} issues", r.app(), tables, issues.size());
    return new LogicalReadiness(walLevel, freeSlots, freeSenders, keyless, largeObjects, issues);
  }

  // ---------------------------------------------------------------- pre-sync

  LogicalStarted start(LogicalRequest r) {
    long started = System.nanoTime();
    String name = name(r.app());
    LogicalStarted reused = reusable(r, name, started);
    if (reused != null) {
      return reused;
    }
    // Anything of an earlier attempt goes first: a database with a subscription cannot be dropped.
    cleanup(r);
    int sourceMajor = DatabaseActivitiesImpl.serverMajor(r.source(), r.sourceBox());
    int targetMajor;
    try (Connection c = Connections.openMaintenance(r.target())) {
      // The target database may not exist yet: ask the server's maintenance database.
      targetMajor = Integer.parseInt(scalar(c, "SELECT current_setting('server_version_num')")) / 10000;
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("connecting to " + r.targetBox() + ": " + e.getMessage(), e);
    }
    if (targetMajor < sourceMajor) {
      throw CutoverFailure.VERSION_INCOMPATIBLE.failure(
          "target PostgreSQL " + targetMajor + " is older than the source's " + sourceMajor);
    }
    List<Long> identityFull = new ArrayList<>();
    List<String> identityNames = new ArrayList<>();
    try (Connection c = Connections.open(r.source())) {
      Map<Long, String> keyless = keylessTables(c);
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
          s.execute("ALTER TABLE " + t.getValue() + " REPLICA IDENTITY FULL");
          identityFull.add(t.getKey());
          identityNames.add(t.getValue());
        }
        createPublication(c, r, name, null, identityFull);
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("publishing " + r.sourceBox() + ": " + e.getMessage(), e);
    }
    databases.recreate(r.app(), r.moveId(), r.target(), DatabaseActivitiesImpl.encoding(r.source()));
    DumpRestore.schemaOnly(copyRequest(r), sourceMajor, targetMajor, p -> DatabaseActivitiesImpl.heartbeat(
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
      long subscription = subscriptionOid(target, name);
      createPublication(source, r, name, subscription, identityFull);
      tables = Integer.parseInt(query(target, "SELECT count(*) FROM pg_subscription_rel WHERE srsubid = ?::oid",
          Long.toString(subscription)));
      // The app on the target (if started ahead) must not write while the subscription does.
      Fence.fence(target, r.app());
    } catch (SQLException e) {
      throw CutoverFailure.COPY_FAILED.failure("starting logical replication from " + r.sourceBox() + " to "
          + r.targetBox() + ": " + e.getMessage(), e);
    }
    return new LogicalStarted(name, false, tables, identityNames, millisSince(started));
  }

  /** A retry of this same move whose subscription already exists continues with it. */
  private LogicalStarted reusable(LogicalRequest r, String name, long started) {
    try (Connection target = Connections.open(r.target()); Connection source = Connections.open(r.source())) {
      String marker = DatabaseActivitiesImpl.marker(target, Fence.currentDatabase(target));
      Long subscription = findSubscription(target, name);
      Map<String, String> published = Markers.fields(publicationComment(source, name));
      if (subscription == null || !Markers.isOurs(marker, r.app())
          || !r.moveId().equals(Markers.fields(marker).get("move")) || !r.moveId().equals(published.get("move"))
          || !Long.toString(subscription).equals(published.get("subscription")) || !slotExists(source, name)) {
        return null;
      }
      int tables = Integer.parseInt(query(target, "SELECT count(*) FROM pg_subscription_rel WHERE srsubid = ?::oid",
          Long.toString(subscription)));
      Fence.fence(target, r.app());
      List<String> identity = new ArrayList<>();
      for (long oid : oids(published.get("identityFull"))) {
        identity.add(query(source, "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ?::oid", Long.toString(oid)));
      }
      return new LogicalStarted(name, true, tables, identity, millisSince(started));
    } catch (SQLException e) {
      // No target database yet, or something half made: start over.
      return null;
    }
  }

  private static void createPublication(Connection c, LogicalRequest r, String name, Long subscription,
      List<Long> identityFull) throws SQLException {
    try (Statement s = c.createStatement()) {
      if (!publicationExists(c, name)) {
        s.execute("CREATE PUBLICATION " + Sql.ident(name) + " FOR ALL TABLES");
      }
      String comment = Markers.PREFIX + "app=" + r.app() + ";move=" + r.moveId()
          + (subscription == null ? "" : ";subscription=" + subscription)
          + ";identityFull=" + String.join(",", identityFull.stream().map(String::valueOf).toList());
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

  // ---------------------------------------------------------------- lag

  LogicalLag lag(LogicalRequest r) {
    String name = name(r.app());
    Map<String, Integer> byState = new TreeMap<>();
    List<String> copying = new ArrayList<>();
    long errors = 0;
    boolean subscribed;
    int tables = 0;
    try (Connection target = Connections.open(r.target())) {
      Long subscription = findSubscription(target, name);
      subscribed = subscription != null;
      if (subscribed) {
        String sql = "SELECT sr.srsubstate, sr.srrelid::regclass::text FROM pg_subscription_rel sr"
            + " WHERE sr.srsubid = ?::oid ORDER BY 2";
        try (PreparedStatement ps = target.prepareStatement(sql)) {
          ps.setString(1, Long.toString(subscription));
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              tables++;
              String state = state(rs.getString(1));
              byState.merge(state, 1, Integer::sum);
              if (!"ready".equals(state)) {
                copying.add(rs.getString(2));
              }
            }
          }
        }
        errors = Long.parseLong(query(target, "SELECT coalesce(sum(apply_error_count + sync_error_count), 0)"
            + " FROM pg_stat_subscription_stats WHERE subid = ?::oid", Long.toString(subscription)));
      }
    } catch (SQLException e) {
      if (!UNDEFINED_DATABASE.equals(e.getSQLState())) {
        throw CutoverFailure.DATABASE_UNAVAILABLE.failure("reading the subscription on " + r.targetBox() + ": "
            + e.getMessage(), e);
      }
      subscribed = false;
    }
    String sourceLsn = null;
    String confirmed = null;
    Long behind = null;
    Long lagMillis = null;
    try (Connection source = Connections.open(r.source());
        PreparedStatement ps = source.prepareStatement(
            "SELECT pg_current_wal_lsn()::text, s.confirmed_flush_lsn::text,"
                + " pg_wal_lsn_diff(pg_current_wal_lsn(), s.confirmed_flush_lsn)::bigint,"
                + " (SELECT (extract(epoch FROM max(replay_lag)) * 1000)::bigint FROM pg_stat_replication"
                + "   WHERE application_name = ?)"
                + " FROM (SELECT 1) one LEFT JOIN pg_replication_slots s ON s.slot_name = ?")) {
      ps.setString(1, name);
      ps.setString(2, name);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        sourceLsn = rs.getString(1);
        confirmed = rs.getString(2);
        behind = (Long) rs.getObject(3);
        lagMillis = (Long) rs.getObject(4);
      }
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("reading the slot on " + r.sourceBox() + ": " + e.getMessage(), e);
    }
    boolean done = subscribed && copying.isEmpty();
    return new LogicalLag(subscribed, tables, byState, copying, sourceLsn, confirmed, behind, lagMillis, errors, done);
  }

  LogicalLag awaitInitialCopy(LogicalWaitRequest w) {
    long deadline = System.nanoTime() + w.timeout().toNanos();
    while (true) {
      LogicalLag lag = lag(w.logical());
      DatabaseActivitiesImpl.heartbeat(lag);
      if (!lag.subscribed()) {
        throw CutoverFailure.COPY_FAILED.failure("no subscription " + name(w.logical().app()) + " on "
            + w.logical().targetBox() + ": pre-sync did not run or was cleaned up");
      }
      if (lag.initialCopyDone()) {
        return lag;
      }
      if (System.nanoTime() > deadline) {
        throw CutoverFailure.COPY_FAILED.failure("the initial copy did not finish within " + w.timeout()
            + "; still copying " + lag.copying() + ", " + lag.errors() + " errors so far");
      }
      pause(500);
    }
  }

  // ---------------------------------------------------------------- catch-up

  LogicalCaughtUp catchUp(LogicalWaitRequest w) {
    LogicalRequest r = w.logical();
    long started = System.nanoTime();
    String name = name(r.app());
    String fenceLsn;
    long waitMillis = 0;
    boolean alreadyDone;
    try (Connection source = Connections.open(r.source()); Connection target = Connections.open(r.target())) {
      Fence.asMover(source);
      Fence.asMover(target);
      if (!Fence.isFenced(source)) {
        // Without the fence, the source could take a write after the position waited for.
        throw CutoverFailure.NOT_QUIESCENT.failure("the source " + r.sourceBox() + " is not fenced: fence it first");
      }
      String targetDb = Fence.currentDatabase(target);
      Map<String, String> marker = Markers.fields(DatabaseActivitiesImpl.marker(target, targetDb));
      if (!r.app().equals(marker.get("app")) || !r.moveId().equals(marker.get("move"))) {
        throw CutoverFailure.TARGET_NOT_OURS.failure("the target " + targetDb + " was not made by this move");
      }
      Long subscription = findSubscription(target, name);
      alreadyDone = subscription == null && marker.containsKey(CAUGHT_UP);
      if (subscription == null && !alreadyDone) {
        throw CutoverFailure.COPY_FAILED.failure("no subscription " + name + " on " + r.targetBox()
            + " and no finished catch-up: pre-sync did not run or was cleaned up");
      }
      if (alreadyDone) {
        fenceLsn = marker.get(CAUGHT_UP);
      } else {
        List<String> ddl = schemaDifferences(source, target);
        if (!ddl.isEmpty()) {
          throw CutoverFailure.COPY_FAILED.failure("the schema changed on the source during pre-sync, which"
              + " logical replication does not carry: " + ddl + "; abort and start the move again");
        }
        fenceLsn = fencePosition(source);
        long waitStarted = System.nanoTime();
        waitForSlot(source, r, name, fenceLsn, w.timeout());
        waitMillis = millisSince(waitStarted);
        // Written before anything is dropped: a rerun then knows the wait already succeeded.
        DatabaseActivitiesImpl.comment(target, targetDb,
            Markers.of(r.app(), r.moveId(), Markers.COPIED) + ";" + CAUGHT_UP + "=" + fenceLsn);
        dropSubscription(target, name);
      }
      int sequences = copySequences(source, target);
      long largeObjects = copyLargeObjects(source, target);
      dropSourceSide(source, name);
      Fence.fence(target, r.app());
      long total = millisSince(started);
      log.info("caught up {} at {}: waited {} ms, {} sequences, {} large objects, {} ms in all",
          r.app(), fenceLsn, waitMillis, sequences, largeObjects, total);
      return new LogicalCaughtUp(alreadyDone, fenceLsn, sequences, largeObjects, waitMillis, total);
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("catching up " + r.targetBox() + ": " + e.getMessage(), e);
    }
  }

  /**
   * A transactional message, committed with a WAL flush, marks the end of what the target must apply:
   * every commit of the app came before the fence, hence before it. The flush matters because the
   * walsender only sends flushed WAL, and with asynchronous commit the tail could wait for the WAL writer.
   */
  private static String fencePosition(Connection source) throws SQLException {
    try (Statement s = source.createStatement()) {
      s.execute("SET synchronous_commit = on");
      try (ResultSet rs = s.executeQuery("SELECT pg_logical_emit_message(true, 'cutover', 'fence')::text")) {
        rs.next();
        return rs.getString(1);
      }
    }
  }

  /**
   * The slot's confirmed position is what the target reported flushed, so reaching the fence position
   * there means every earlier commit is applied on the target. Polled tightly: this is blackout time.
   */
  private static void waitForSlot(Connection source, LogicalRequest r, String name, String lsn, Duration timeout)
      throws SQLException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long lastBeat = 0;
    String sql = "SELECT pg_wal_lsn_diff(?::pg_lsn, confirmed_flush_lsn)::bigint FROM pg_replication_slots"
        + " WHERE slot_name = ?";
    try (PreparedStatement ps = source.prepareStatement(sql)) {
      ps.setString(1, lsn);
      ps.setString(2, name);
      while (true) {
        Long behind;
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw CutoverFailure.COPY_FAILED.failure("the replication slot " + name + " is gone from " + r.sourceBox());
          }
          behind = (Long) rs.getObject(1);
        }
        if (behind != null && behind <= 0) {
          return;
        }
        if (System.nanoTime() - lastBeat > 1_000_000_000L) {
          DatabaseActivitiesImpl.heartbeat(Map.of("phase", "catch-up", "fenceLsn", lsn,
              "bytesBehind", behind == null ? -1 : behind));
          lastBeat = System.nanoTime();
        }
        if (System.nanoTime() > deadline) {
          throw CutoverFailure.COPY_FAILED.failure("the target did not apply up to " + lsn + " within " + timeout
              + " (" + behind + " bytes behind)");
        }
        pause(20);
      }
    }
  }

  /** Logical replication leaves sequences at their start: set each to the fenced source's value. */
  static int copySequences(Connection source, Connection target) throws SQLException {
    List<String> names = new ArrayList<>();
    try (Statement s = source.createStatement();
        ResultSet rs = s.executeQuery("SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND " + userSchema("n.nspname")
            + " ORDER BY 1")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    try (Statement s = source.createStatement();
        PreparedStatement set = target.prepareStatement("SELECT setval(?::regclass, ?, ?)")) {
      for (String sequence : names) {
        // Names come from format('%I'), already quoted.
        try (ResultSet rs = s.executeQuery("SELECT last_value, is_called FROM " + sequence)) {
          rs.next();
          set.setString(1, sequence);
          set.setLong(2, rs.getLong(1));
          set.setBoolean(3, rs.getBoolean(2));
          set.execute();
        }
      }
    }
    return names.size();
  }

  /**
   * Large objects are not replicated: each is recreated under its own oid (tables refer to it by oid)
   * and copied in chunks, so memory stays bounded whatever their size.
   */
  private static long copyLargeObjects(Connection source, Connection target) throws SQLException {
    List<Long> oids = new ArrayList<>();
    try (Statement s = source.createStatement();
        ResultSet rs = s.executeQuery("SELECT oid::bigint FROM pg_largeobject_metadata ORDER BY 1")) {
      while (rs.next()) {
        oids.add(rs.getLong(1));
      }
    }
    if (oids.isEmpty()) {
      return 0;
    }
    boolean autoCommit = target.getAutoCommit();
    target.setAutoCommit(false);
    try (PreparedStatement read = source.prepareStatement("SELECT lo_get(?::oid, ?, ?)");
        PreparedStatement drop = target.prepareStatement(
            "SELECT lo_unlink(oid) FROM pg_largeobject_metadata WHERE oid = ?::oid");
        PreparedStatement create = target.prepareStatement("SELECT lo_create(?::oid)");
        PreparedStatement write = target.prepareStatement("SELECT lo_put(?::oid, ?, ?)")) {
      for (long oid : oids) {
        drop.setLong(1, oid);
        drop.execute();
        create.setLong(1, oid);
        create.execute();
        for (long offset = 0; ; offset += LARGE_OBJECT_CHUNK) {
          read.setLong(1, oid);
          read.setLong(2, offset);
          read.setInt(3, LARGE_OBJECT_CHUNK);
          byte[] chunk;
          try (ResultSet rs = read.executeQuery()) {
            rs.next();
            chunk = rs.getBytes(1);
          }
          if (chunk.length > 0) {
            write.setLong(1, oid);
            write.setLong(2, offset);
            write.setBytes(3, chunk);
            write.execute();
          }
          if (chunk.length < LARGE_OBJECT_CHUNK) {
            break;
          }
        }
        target.commit();
        DatabaseActivitiesImpl.heartbeat(Map.of("phase", "large objects", "copied", oid));
      }
    } catch (SQLException e) {
      target.rollback();
      throw e;
    } finally {
      target.setAutoCommit(autoCommit);
    }
    return oids.size();
  }

  // ---------------------------------------------------------------- cleanup

  /**
   * Target first, where nothing needs the source: the subscription is disabled and dropped, so the target
   * database can be dropped after. Then the source's slots, whatever became of the target, since a slot
   * left behind keeps WAL on the source until its disk is full.
   */
  void cleanup(LogicalRequest r) {
    String name = name(r.app());
    List<String> failures = new ArrayList<>();
    Set<Long> subscriptions = new LinkedHashSet<>();
    try (Connection target = Connections.open(r.target())) {
      // Pre-sync left the target fenced; the mover's session is the one allowed to change it.
      Fence.asMover(target);
      Long oid = findSubscription(target, name);
      if (oid != null) {
        subscriptions.add(oid);
        dropSubscription(target, name);
      }
    } catch (SQLException e) {
      if (!UNDEFINED_DATABASE.equals(e.getSQLState())) {
        failures.add("dropping subscription " + name + " on " + r.targetBox() + ": " + e.getMessage());
      }
    }
    try (Connection source = Connections.open(r.source())) {
      Fence.asMover(source);
      String comment = publicationComment(source, name);
      String recorded = Markers.fields(comment).get("subscription");
      if (recorded != null) {
        subscriptions.add(Long.parseLong(recorded));
      }
      dropSlots(source, name, subscriptions);
      dropSourceSide(source, name);
    } catch (SQLException e) {
      failures.add("dropping slot and publication " + name + " on " + r.sourceBox() + " (a slot left there keeps"
          + " WAL until it is dropped: SELECT pg_drop_replication_slot('" + name + "')): " + e.getMessage());
    }
    if (!failures.isEmpty()) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure(String.join("; ", failures));
    }
  }

  /**
   * Disabled first, which stops its workers. DROP SUBSCRIPTION then drops the slot on the source too; if
   * the target cannot reach the source, the subscription lets go of its slot and the caller drops that
   * from the source side.
   */
  private static void dropSubscription(Connection target, String name) throws SQLException {
    try (Statement s = target.createStatement()) {
      s.execute("ALTER SUBSCRIPTION " + Sql.ident(name) + " DISABLE");
      try {
        s.execute("DROP SUBSCRIPTION " + Sql.ident(name));
      } catch (SQLException unreachable) {
        log.warn("dropping subscription {} with its slot failed ({}); detaching it from the slot",
            name, unreachable.getMessage());
        s.execute("ALTER SUBSCRIPTION " + Sql.ident(name) + " SET (slot_name = NONE)");
        s.execute("DROP SUBSCRIPTION " + Sql.ident(name));
      }
    }
  }

  /**
   * The publication, the main slot if a subscription left it, and the restored replica identities.
   * Restoring the identities and dropping the publication happen in one transaction: in between, the
   * app's updates of a keyless table would fail.
   */
  private static void dropSourceSide(Connection source, String name) throws SQLException {
    String comment = publicationComment(source, name);
    dropSlots(source, name, Markers.fields(comment).containsKey("subscription")
        ? Set.of(Long.parseLong(Markers.fields(comment).get("subscription"))) : Set.of());
    if (!publicationExists(source, name)) {
      return;
    }
    boolean autoCommit = source.getAutoCommit();
    source.setAutoCommit(false);
    try (Statement s = source.createStatement()) {
      s.execute("SET LOCAL lock_timeout = '5s'");
      for (long oid : oids(Markers.fields(comment).get("identityFull"))) {
        String table = query(source, "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ?::oid AND c.relreplident = 'f'",
            Long.toString(oid));
        if (table != null) {
          s.execute("ALTER TABLE " + table + " REPLICA IDENTITY DEFAULT");
        }
      }
      s.execute("DROP PUBLICATION IF EXISTS " + Sql.ident(name));
      source.commit();
    } catch (SQLException e) {
      source.rollback();
      throw e;
    } finally {
      source.setAutoCommit(autoCommit);
    }
  }

  private static void endWalsenders(Connection source, String name, List<String> patterns) throws SQLException {
    try (PreparedStatement ps = source.prepareStatement("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
        + " WHERE backend_type = 'walsender' AND (application_name = ? OR application_name LIKE ANY (?))")) {
      ps.setString(1, name);
      ps.setArray(2, source.createArrayOf("text", patterns.toArray()));
      ps.execute();
    }
  }

  /**
   * The subscription's slot and the table-sync slots it made ({@code pg_<subscription oid>_sync_...}).
   * A slot still held by a walsender cannot be dropped: the walsender is ended and the drop retried until
   * its session lets go.
   */
  private static void dropSlots(Connection source, String name, Set<Long> subscriptions) throws SQLException {
    List<String> patterns = new ArrayList<>();
    for (long oid : subscriptions) {
      patterns.add("pg\\_" + oid + "\\_sync\\_%");
    }
    long deadline = System.nanoTime() + SLOT_RELEASE.toNanos();
    // A table-sync worker may still be creating its slot on the source: end those walsenders first (a slot
    // whose creation is interrupted is rolled back), and only believe "none left" twice in a row.
    endWalsenders(source, name, patterns);
    boolean emptyOnce = false;
    while (true) {
      List<String> slots = new ArrayList<>();
      try (PreparedStatement ps = source.prepareStatement("SELECT slot_name FROM pg_replication_slots"
          + " WHERE slot_name = ? OR slot_name LIKE ANY (?)")) {
        ps.setString(1, name);
        ps.setArray(2, source.createArrayOf("text", patterns.toArray()));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            slots.add(rs.getString(1));
          }
        }
      }
      if (slots.isEmpty()) {
        if (emptyOnce) {
          return;
        }
        emptyOnce = true;
        pause(300);
        endWalsenders(source, name, patterns);
        continue;
      }
      emptyOnce = false;
      SQLException last = null;
      for (String slot : slots) {
        try (PreparedStatement ps = source.prepareStatement(
            "SELECT pg_terminate_backend(active_pid, 5000) FROM pg_replication_slots WHERE slot_name = ? AND active_pid IS NOT NULL");
            PreparedStatement drop = source.prepareStatement(
                "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
          ps.setString(1, slot);
          ps.execute();
          drop.setString(1, slot);
          drop.execute();
        } catch (SQLException stillActive) {
          last = stillActive;
        }
      }
      if (last != null && System.nanoTime() > deadline) {
        throw last;
      }
      pause(100);
    }
  }

  // ---------------------------------------------------------------- schema

  /**
   * DDL is not replicated: a table or column added on the source during pre-sync stops the subscription
   * or goes missing on the target. Compares tables, sequences and columns (by name and type) on both
   * sides and names up to ten differences.
   */
  static List<String> schemaDifferences(Connection source, Connection target) throws SQLException {
    Set<String> left = schemaLines(source);
    Set<String> right = schemaLines(target);
    List<String> out = new ArrayList<>();
    for (String line : left) {
      if (!right.contains(line) && out.size() < 10) {
        out.add("only on the source: " + line);
      }
    }
    for (String line : right) {
      if (!left.contains(line) && out.size() < 10) {
        out.add("only on the target: " + line);
      }
    }
    return out;
  }

  private static Set<String> schemaLines(Connection c) throws SQLException {
    String sql = "SELECT format('%I.%I', n.nspname, c.relname) || ' ' || c.relkind::text"
        + " || coalesce(' ' || quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)"
        + "   || CASE WHEN a.attgenerated <> '' THEN ' generated' ELSE '' END, '')"
        + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        + " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped"
        + "   AND c.relkind IN ('r', 'p')"
        + " WHERE c.relkind IN ('r', 'p', 'S') AND " + userSchema("n.nspname");
    Set<String> out = new TreeSet<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Ordinary tables that logical replication cannot carry updates and deletes of: no primary key and
   * the default identity, or identity NOTHING. Keyed by oid, valued by quoted name.
   */
  private static Map<Long, String> keylessTables(Connection c) throws SQLException {
    String sql = "SELECT c.oid::bigint, format('%I.%I', n.nspname, c.relname) FROM pg_class c"
        + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND " + userSchema("n.nspname")
        + " AND (c.relreplident = 'n' OR (c.relreplident = 'd'"
        + "   AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)))"
        + " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass"
        + "   AND d.objid = c.oid AND d.deptype = 'e')"
        + " ORDER BY 2";
    Map<Long, String> out = new LinkedHashMap<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.put(rs.getLong(1), rs.getString(2));
      }
    }
    return out;
  }

  private static String userSchema(String column) {
    return column + " NOT IN ('pg_catalog', 'information_schema') AND " + column + " NOT LIKE 'pg\\_%'";
  }

  private static Long findSubscription(Connection target, String name) throws SQLException {
    String oid = query(target,
        "SELECT oid::bigint::text FROM pg_subscription WHERE subname = ? AND subdbid = (SELECT oid FROM pg_database"
            + " WHERE datname = current_database())", name);
    return oid == null ? null : Long.parseLong(oid);
  }

  private static long subscriptionOid(Connection target, String name) throws SQLException {
    Long oid = findSubscription(target, name);
    if (oid == null) {
      throw new SQLException("subscription " + name + " vanished right after it was created");
    }
    return oid;
  }

  private static String publicationComment(Connection source, String name) throws SQLException {
    return query(source, "SELECT obj_description(oid, 'pg_publication') FROM pg_publication WHERE pubname = ?", name);
  }

  private static boolean publicationExists(Connection source, String name) throws SQLException {
    return query(source, "SELECT 'yes' FROM pg_publication WHERE pubname = ?", name) != null;
  }

  private static boolean slotExists(Connection source, String name) throws SQLException {
    return query(source, "SELECT 'yes' FROM pg_replication_slots WHERE slot_name = ?", name) != null;
  }

  private static List<Long> oids(String list) {
    List<Long> out = new ArrayList<>();
    if (list != null) {
      for (String part : list.split(",")) {
        if (!part.isBlank()) {
          out.add(Long.parseLong(part.strip()));
        }
      }
    }
    return out;
  }

  private static String state(String code) {
    return switch (code) {
      case "i" -> "init";
      case "d" -> "copying";
      case "f" -> "copied";
      case "s" -> "synced";
      case "r" -> "ready";
      default -> code;
    };
  }

  private static CopyRequest copyRequest(LogicalRequest r) {
    return new CopyRequest(r.app(), r.moveId(), r.sourceBox(), r.source(), r.targetBox(), r.target(), r.copy());
  }

  private static String scalar(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /** The first column of the first row, or null; every argument bound as text. */
  private static String query(Connection c, String sql, String... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setString(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private static long millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1_000_000;
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CutoverFailure.COPY_FAILED.failure("interrupted", e);
    }
  }
}
