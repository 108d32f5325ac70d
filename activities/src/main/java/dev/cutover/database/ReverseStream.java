package dev.cutover.database;

import dev.cutover.database.CopyActivities.LogicalRequest;
import dev.cutover.database.CopyActivities.LogicalStarted;
import dev.cutover.database.CopyActivities.ReverseClosed;
import dev.cutover.database.CopyActivities.ReverseRequest;
import dev.cutover.database.CopyActivities.ReverseStarted;
import dev.cutover.database.CopyActivities.ReverseState;
import dev.cutover.workflow.CutoverFailure;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reverse stream of {@code copy.rollbackWindow}: logical replication from the box a move switched to back
 * to its fenced fallback, under the same names as a move's own ({@code cutover_<app>}) on swapped sides, so a
 * rollback's logical move adopts it and its catch-up and cleanup need nothing new. The publication's comment
 * on the live box is the record ({@code kept=reverse}, the move, the subscription's oid, the replica identities
 * changed); the fallback's fence keeps every session but the mover's and the stream's read-only, since the
 * apply worker writes regardless of {@code default_transaction_read_only} (as the forward stream does into its
 * fenced target).
 */
final class ReverseStream {

  private static final Logger log = LoggerFactory.getLogger(ReverseStream.class);
  static final String KEPT = "reverse";

  private ReverseStream() {}

  static ReverseStarted start(ReverseRequest r) {
    long started = System.nanoTime();
    String name = ReplicationNames.copy(r.app());
    try (Connection live = Connections.open(r.live()); Connection fallback = Connections.open(r.fallback())) {
      Fence.asMover(live);
      Fence.asMover(fallback);
      Map<String, String> published = Markers.fields(ReplicationCatalog.publicationComment(live, name));
      Long subscription = ReplicationCatalog.findSubscription(fallback, name);
      if (KEPT.equals(published.get("kept")) && r.moveId().equals(published.get("move")) && subscription != null
          && subscription.toString().equals(published.get("subscription")) && ReplicationCatalog.slotExists(live, name)
          && ReplicationCatalog.slotExists(fallback, ReverseWatch.slot(r.app()))) {
        return new ReverseStarted(name, true, published.get("from"), identityNames(live, published), millis(started));
      }
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("looking for the reverse stream of " + r.app() + ": "
          + e.getMessage(), e);
    }
    // Whatever an earlier attempt half made goes first.
    close(r);
    try (Connection live = Connections.open(r.live()); Connection fallback = Connections.open(r.fallback())) {
      Fence.asMover(live);
      Fence.asMover(fallback);
      List<Long> full = new ArrayList<>();
      List<Long> nothing = new ArrayList<>();
      List<String> names = new ArrayList<>();
      Map<Long, String> keyless = ReplicationCatalog.keylessTables(live);
      if (!keyless.isEmpty() && !r.copy().replicaIdentityFull()) {
        throw CutoverFailure.NOT_SUPPORTED.failure("tables without a key or replica identity on " + r.liveBox() + ": "
            + String.join(", ", keyless.values()) + "; the reverse stream needs copy.replicaIdentityFull: true");
      }
      // One transaction, as for the move's own publication: no update of a keyless table may meet the publication
      // without its identity, and the comment must name every identity changed.
      live.setAutoCommit(false);
      try (Statement s = live.createStatement()) {
        s.execute("SET LOCAL lock_timeout = '5s'");
        for (Map.Entry<Long, String> t : keyless.entrySet()) {
          if ("n".equals(Jdbc.query(live, "SELECT relreplident::text FROM pg_class WHERE oid = ?::oid",
              Long.toString(t.getKey())))) {
            nothing.add(t.getKey());
          }
          s.execute("ALTER TABLE " + t.getValue() + " REPLICA IDENTITY FULL");
          full.add(t.getKey());
          names.add(t.getValue());
        }
        s.execute("CREATE PUBLICATION " + Sql.ident(name) + " FOR ALL TABLES");
        comment(s, name, r.app(), r.moveId(), null, true, null, full, nothing);
        live.commit();
      } catch (SQLException e) {
        live.rollback();
        throw e;
      } finally {
        live.setAutoCommit(true);
      }
      // The slot is made now, while the live box is still fenced: every write it takes comes after its start.
      try (Statement s = fallback.createStatement()) {
        s.execute("CREATE SUBSCRIPTION " + Sql.ident(name) + " CONNECTION " + Sql.literal(ReplicationStart.conninfo(
            r.live(), name)) + " PUBLICATION " + Sql.ident(name) + " WITH (copy_data = false, create_slot = true,"
            + " slot_name = " + Sql.literal(name) + ")");
      }
      long oid = ReplicationCatalog.subscriptionOid(fallback, name);
      String from = Jdbc.query(live, "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = ?", name);
      try (Statement s = live.createStatement()) {
        comment(s, name, r.app(), r.moveId(), oid, true, from, full, nothing);
      }
      ReverseWatch.create(fallback, r.app());
      log.info("reverse stream {} from {} back to {} starts at {}", name, r.liveBox(), r.fallbackBox(), from);
      return new ReverseStarted(name, false, from, names, millis(started));
    } catch (SQLException e) {
      throw CutoverFailure.COPY_FAILED.failure("starting the reverse stream from " + r.liveBox() + " to "
          + r.fallbackBox() + ": " + e.getMessage(), e);
    }
  }

  static ReverseState watch(ReverseRequest r) {
    return ReverseWatch.state(r);
  }

  /**
   * The fallback's side first (the subscription drops its slot on the live box when it can reach it), then the
   * live box's: a slot left, the publication and the identities, in {@link ReplicationCleanup#dropSourceSide}'s one
   * transaction.
   */
  static ReverseClosed close(ReverseRequest r) {
    long started = System.nanoTime();
    String name = ReplicationNames.copy(r.app());
    List<String> dropped = new ArrayList<>();
    try (Connection fallback = Connections.open(r.fallback())) {
      Fence.asMover(fallback);
      if (ReplicationCatalog.findSubscription(fallback, name) != null) {
        ReplicationCleanup.dropSubscription(fallback, name);
        dropped.add("subscription " + name + " on " + r.fallbackBox());
      }
      if (ReplicationCatalog.slotExists(fallback, ReverseWatch.slot(r.app()))) {
        ReverseWatch.drop(fallback, r.app());
        dropped.add("watch slot on " + r.fallbackBox());
      }
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("ending the reverse stream on " + r.fallbackBox() + ": "
          + e.getMessage(), e);
    }
    try (Connection live = Connections.open(r.live())) {
      Fence.asMover(live);
      boolean slot = ReplicationCatalog.slotExists(live, name);
      boolean publication = ReplicationCatalog.publicationExists(live, name);
      ReplicationCleanup.dropSourceSide(live, name, true);
      if (slot) {
        dropped.add("slot " + name + " on " + r.liveBox());
      }
      if (publication) {
        dropped.add("publication " + name + " on " + r.liveBox());
      }
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("dropping the reverse stream's slot and publication " + name
          + " on " + r.liveBox() + " (the slot keeps its WAL until dropped: SELECT pg_drop_replication_slot('" + name
          + "')): " + e.getMessage(), e);
    }
    return new ReverseClosed(!dropped.isEmpty(), dropped, millis(started));
  }

  /**
   * A rollback's pre-sync ({@code r}: source = the live box, target = the fallback): the kept stream becomes this
   * move's subscription. The publication's comment is rewritten in a move's own form, so the rollback's catch-up
   * and cleanup treat it as theirs, and the fallback is marked as this move's copy, which the catch-up checks.
   * A stream that cannot be taken over is removed, and the failure says why.
   */
  static LogicalStarted adoptOrFail(LogicalRequest r) {
    long started = System.nanoTime();
    String name = ReplicationNames.copy(r.app());
    try (Connection live = Connections.open(r.source()); Connection fallback = Connections.open(r.target())) {
      Fence.asMover(live);
      Fence.asMover(fallback);
      Map<String, String> published = Markers.fields(ReplicationCatalog.publicationComment(live, name));
      String forward = published.get("move");
      if (!KEPT.equals(published.get("kept")) || !r.app().equals(published.get("app"))) {
        throw notAdoptable("no reverse stream of " + r.app() + " is kept on " + r.sourceBox());
      }
      ReverseRequest stream = new ReverseRequest(r.app(), forward, r.sourceBox(), r.source(), r.targetBox(), r.target(),
          r.copy());
      ReverseState state = ReverseWatch.state(stream);
      String why = !state.streaming() ? "the reverse stream is broken: " + state.broken()
          : state.strayWrites() > 0 ? state.strayWrites() + " commit(s) on " + r.targetBox() + " did not come from the"
              + " reverse stream (" + String.join("; ", state.straySample()) + ")"
          : !r.app().equals(Fence.fencedBy(fallback)) ? r.targetBox() + " is not fenced by " + r.app() : null;
      if (why != null) {
        close(stream);
        throw notAdoptable(why + "; removed it");
      }
      long oid = ReplicationCatalog.subscriptionOid(fallback, name);
      ReverseWatch.drop(fallback, r.app());
      List<Long> full = ReplicationCatalog.oids(published.get("identityFull"));
      List<Long> nothing = ReplicationCatalog.oids(published.get("identityNothing"));
      try (Statement s = live.createStatement()) {
        comment(s, name, r.app(), r.moveId(), oid, false, null, full, nothing);
      }
      TargetDatabases.comment(fallback, Fence.currentDatabase(fallback), Markers.of(r.app(), r.moveId(), Markers.COPIED));
      int tables = Integer.parseInt(Jdbc.query(fallback, "SELECT count(*) FROM pg_subscription_rel WHERE srsubid = ?::oid",
          Long.toString(oid)));
      log.info("rollback {} of {} adopted the reverse stream of move {} ({} bytes behind)", r.moveId(), r.app(), forward,
          state.bytesBehind());
      return new LogicalStarted(name, true, tables, identityNames(live, published), millis(started), forward, null);
    } catch (SQLException e) {
      throw CutoverFailure.DATABASE_UNAVAILABLE.failure("taking over the reverse stream of " + r.app() + ": "
          + e.getMessage(), e);
    }
  }

  private static RuntimeException notAdoptable(String why) {
    return CutoverFailure.NOT_SUPPORTED.failure(why);
  }

  /** The comment a move's own publication carries, plus {@code kept} and {@code from} while it is a reverse stream. */
  private static void comment(Statement s, String name, String app, String moveId, Long subscription, boolean kept,
      String from, List<Long> full, List<Long> nothing) throws SQLException {
    String text = Markers.PREFIX + "app=" + app + ";move=" + moveId
        + (subscription == null ? "" : ";subscription=" + subscription)
        + (kept ? ";kept=" + KEPT : "")
        + (from == null ? "" : ";from=" + from)
        + ";identityFull=" + String.join(",", full.stream().map(String::valueOf).toList())
        + (nothing.isEmpty() ? "" : ";identityNothing=" + String.join(",", nothing.stream().map(String::valueOf).toList()));
    s.execute("COMMENT ON PUBLICATION " + Sql.ident(name) + " IS " + Sql.literal(text));
  }

  private static List<String> identityNames(Connection live, Map<String, String> published) throws SQLException {
    List<String> names = new ArrayList<>();
    for (long oid : ReplicationCatalog.oids(published.get("identityFull"))) {
      names.add(Jdbc.query(live, "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
          + " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ?::oid", Long.toString(oid)));
    }
    return names;
  }

  private static long millis(long started) {
    return (System.nanoTime() - started) / 1_000_000;
  }
}
