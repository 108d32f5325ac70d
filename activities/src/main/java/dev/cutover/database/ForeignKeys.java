package dev.cutover.database;

import dev.cutover.plan.Database;
import dev.cutover.support.DaemonPool;
import dev.cutover.workflow.CutoverFailure;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The foreign keys of plain tables, added the way pg_restore would but faster. pg_restore's
 * {@code ADD CONSTRAINT ... FOREIGN KEY} checks every row while holding SHARE ROW EXCLUSIVE on both tables,
 * so two keys that touch one table check one after the other. Added {@code NOT VALID} (no check, a moment's
 * lock) and then {@code VALIDATE CONSTRAINT}d, which locks the referenced table only against writes, the
 * checks run side by side. Each ends valid, as on the source; a key the source holds NOT VALID stays so.
 */
final class ForeignKeys {

  /**
   * {@code probe}: the referencing table is smaller than the referenced one. The check is an anti-join
   * that the planner, without statistics on fresh tables, makes a hash join: it reads and hashes the whole
   * referenced table (at size M 8 M rows spilled to disk, 3.5 s), where probing its unique index once per
   * referencing row took 0.8 s.
   */
  record ForeignKey(String table, String name, String definition, boolean validated, boolean probe) {}

  private ForeignKeys() {}

  /** The foreign keys of {@code tables} on the source, by constraint oid; the definitions fully qualified. */
  static Map<Long, ForeignKey> read(Connection source, Set<String> tables) throws SQLException {
    Map<Long, ForeignKey> out = new LinkedHashMap<>();
    try (Statement s = source.createStatement()) {
      // pg_get_constraintdef qualifies names the search path would not find: with only pg_catalog on it,
      // every referenced table comes with its schema, as in pg_dump's output.
      s.execute("SET LOCAL search_path = pg_catalog");
      try (ResultSet rs = s.executeQuery(
          "SELECT k.oid::bigint, format('%I.%I', n.nspname, c.relname), quote_ident(k.conname),"
              + " pg_get_constraintdef(k.oid), k.convalidated,"
              + " pg_relation_size(k.conrelid) < pg_relation_size(k.confrelid)"
              + " FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid"
              + " JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_class r ON r.oid = k.confrelid"
              + " WHERE k.contype = 'f' AND c.relkind = 'r' AND r.relkind = 'r' AND k.conparentid = 0"
              + " ORDER BY k.conname")) {
        while (rs.next()) {
          if (tables.contains(rs.getString(2))) {
            out.put(rs.getLong(1), new ForeignKey(rs.getString(2), rs.getString(3), rs.getString(4),
                rs.getBoolean(5), rs.getBoolean(6)));
          }
        }
      }
      s.execute("RESET search_path");
    }
    return out;
  }

  /** Adds every key, then validates those valid on the source, {@code jobs} at a time, heartbeating. */
  static void add(Database target, List<ForeignKey> keys, int jobs, Consumer<Map<String, Object>> progress) {
    if (keys.isEmpty()) {
      return;
    }
    try (Connection c = Connections.open(target); Statement s = c.createStatement()) {
      s.execute("SET search_path = pg_catalog");
      for (ForeignKey key : keys) {
        s.execute("ALTER TABLE ONLY " + key.table() + " ADD CONSTRAINT " + key.name() + " " + key.definition()
            + (key.validated() ? " NOT VALID" : ""));
      }
    } catch (SQLException e) {
      throw PgTools.copyFailed("adding foreign keys: " + e.getMessage(), e);
    }
    ConcurrentLinkedQueue<ForeignKey> queue = new ConcurrentLinkedQueue<>(
        keys.stream().filter(ForeignKey::validated).toList());
    AtomicInteger done = new AtomicInteger();
    ExecutorService pool = DaemonPool.of(jobs, "validate-fk");
    List<Future<?>> workers = new ArrayList<>();
    try {
      for (int i = 0; i < jobs; i++) {
        workers.add(pool.submit(() -> {
          try (Connection c = Connections.open(target); Statement s = c.createStatement()) {
            for (ForeignKey key; (key = queue.poll()) != null; ) {
              String joins = key.probe() ? "off" : "on";
              s.execute("SET enable_hashjoin = " + joins);
              s.execute("SET enable_mergejoin = " + joins);
              s.execute("ALTER TABLE ONLY " + key.table() + " VALIDATE CONSTRAINT " + key.name());
              done.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> worker : workers) {
        while (true) {
          try {
            worker.get(1, TimeUnit.SECONDS);
            break;
          } catch (TimeoutException stillRunning) {
            progress.accept(Map.of("phase", "foreign keys", "validated", done.get(), "keys", keys.size()));
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PgTools.copyFailed("interrupted", e);
    } catch (ExecutionException e) {
      throw PgTools.copyFailed("validating foreign keys: " + e.getCause().getMessage(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }
}
