package dev.cutover.database;

import dev.cutover.database.CopyActivities.LogicalRequest;
import dev.cutover.workflow.CutoverFailure;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what pre-sync made, on every path (abort, rollback, a retried pre-sync): target first, where
 * nothing needs the source, then the source's slots and publication, whatever became of the target, since a
 * slot left behind keeps WAL on the source until its disk is full.
 */
final class ReplicationCleanup {

  private static final Logger log = LoggerFactory.getLogger(ReplicationCleanup.class);
  private static final Duration SLOT_RELEASE = Duration.ofSeconds(30);

  private ReplicationCleanup() {}

  /**
   * Target first, where nothing needs the source: the subscription is disabled and dropped, so the target
   * database can be dropped after. Then the source's slots, whatever became of the target, since a slot
   * left behind keeps WAL on the source until its disk is full.
   */
  static void run(LogicalRequest r) {
    String name = ReplicationNames.copy(r.app());
    List<String> failures = new ArrayList<>();
    Set<Long> subscriptions = new LinkedHashSet<>();
    try (Connection target = Connections.open(r.target())) {
      // Pre-sync left the target fenced; the mover's session is the one allowed to change it.
      Fence.asMover(target);
      Long oid = ReplicationCatalog.findSubscription(target, name);
      if (oid != null) {
        subscriptions.add(oid);
        dropSubscription(target, name);
      }
    } catch (SQLException e) {
      if (!Jdbc.UNDEFINED_DATABASE.equals(e.getSQLState())) {
        failures.add("dropping subscription " + name + " on " + r.targetBox() + ": " + e.getMessage());
      }
    }
    try (Connection source = Connections.open(r.source())) {
      Fence.asMover(source);
      String comment = ReplicationCatalog.publicationComment(source, name);
      String recorded = Markers.fields(comment).get("subscription");
      if (recorded != null) {
        subscriptions.add(Long.parseLong(recorded));
      }
      dropSlots(source, name, subscriptions, false);
      dropSourceSide(source, name, false);
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
  static void dropSubscription(Connection target, String name) throws SQLException {
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
   * app's updates of a keyless table would fail. {@code subscriptionDropped}: the caller dropped the
   * subscription on the target itself, so none of its workers is left to create a slot (see {@link #dropSlots}).
   */
  static void dropSourceSide(Connection source, String name, boolean subscriptionDropped) throws SQLException {
    String comment = ReplicationCatalog.publicationComment(source, name);
    dropSlots(source, name, Markers.fields(comment).containsKey("subscription")
        ? Set.of(Long.parseLong(Markers.fields(comment).get("subscription"))) : Set.of(), subscriptionDropped);
    if (!ReplicationCatalog.publicationExists(source, name)) {
      return;
    }
    boolean autoCommit = source.getAutoCommit();
    source.setAutoCommit(false);
    try (Statement s = source.createStatement()) {
      s.execute("SET LOCAL lock_timeout = '5s'");
      List<Long> nothing = ReplicationCatalog.oids(Markers.fields(comment).get("identityNothing"));
      for (long oid : ReplicationCatalog.oids(Markers.fields(comment).get("identityFull"))) {
        String table = Jdbc.query(source, "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ?::oid AND c.relreplident = 'f'",
            Long.toString(oid));
        if (table != null) {
          // Back to what it was: NOTHING where it had been set so, else the default.
          s.execute("ALTER TABLE " + table + " REPLICA IDENTITY " + (nothing.contains(oid) ? "NOTHING" : "DEFAULT"));
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
   * its session lets go. While the subscription may still have workers (a cleanup that could not reach the
   * target), "none left" is believed only twice in a row, 300 ms apart; once the subscription is dropped
   * ({@code DROP SUBSCRIPTION} stops its workers first), one look after their walsenders ended is enough. In
   * the freeze, that second look had been 300 of the catch-up's 435 ms after its wait.
   */
  private static void dropSlots(Connection source, String name, Set<Long> subscriptions, boolean subscriptionDropped)
      throws SQLException {
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
        if (emptyOnce || subscriptionDropped) {
          return;
        }
        emptyOnce = true;
        Pause.millis(300);
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
      Pause.millis(100);
    }
  }
}
