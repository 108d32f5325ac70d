package dev.cutover.database;

import dev.cutover.verify.DatabaseObject;
import dev.cutover.verify.FingerprintActivities.BaselineKeys;
import dev.cutover.verify.FingerprintActivities.BaselineNarrowRequest;
import dev.cutover.verify.FingerprintActivities.ChangeLogStarted;
import dev.cutover.verify.FingerprintActivities.ChangesRequest;
import dev.cutover.verify.FingerprintActivities.ChangesVerified;
import dev.cutover.verify.FingerprintActivities.TableRecheck;
import dev.cutover.plan.Database;
import dev.cutover.plan.Verify;
import dev.cutover.verify.KeyRange;
import dev.cutover.verify.TableFingerprint;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Verify before the freeze: a change log and a baseline fingerprint on each side while the app still
 * serves, then, inside the freeze, a fingerprint of only what the baselines cannot vouch for. The argument
 * that this proves the databases equal is in docs/architecture.md ("Verify before the freeze").
 */
final class Recheck {

  private Recheck() {}

  /** Starts one side's change log, then describes its tables (after, so a change in between is seen). */
  static ChangeLogStarted start(Connection c, String slot, Verify verify) throws SQLException {
    String unsupported = ChangeLog.unsupported(c);
    if (unsupported != null) {
      return new ChangeLogStarted(false, unsupported, slot, null, Map.of());
    }
    String lsn = ChangeLog.start(c, slot);
    Map<String, String> digests = new LinkedHashMap<>();
    layouts(c, verify).forEach((name, layout) -> digests.put(name, layout.digest()));
    return new ChangeLogStarted(true, null, slot, lsn, digests);
  }

  /** A table's layout and whether its changes reach the WAL at all. */
  record Described(Layout layout, boolean unlogged) {
    String digest() {
      return Recheck.digest(layout, unlogged);
    }
  }

  static ChangesVerified verify(ChangesRequest r, Fingerprinter.Options options, Consumer<String> progress)
      throws SQLException {
    long started = System.nanoTime();
    try (Connection source = Connections.open(r.source());
        Connection target = Connections.open(r.target())) {
      // The snapshots come first and the change logs are read after them: every change a snapshot sees
      // has been written to the WAL by then, so the read includes it.
      Snapshots.snapshot(source);
      Snapshots.snapshot(target);
      Map<String, Described> onSource = layouts(source, r.verify());
      Map<String, Described> onTarget = layouts(target, r.verify());
      ChangeLog.Changes sourceChanges = read(r.source(), ReplicationNames.changeLog(r.app(), "source"), onSource);
      ChangeLog.Changes targetChanges = read(r.target(), ReplicationNames.changeLog(r.app(), "target"), onTarget);
      progress.accept("read " + (sourceChanges.changes() + targetChanges.changes()) + " changes");
      Set<String> names = new TreeSet<>(onSource.keySet());
      names.addAll(onTarget.keySet());
      List<TableRecheck> out = new ArrayList<>();
      long[] bytes = {0};
      for (String name : names) {
        Described s = onSource.get(name);
        Described t = onTarget.get(name);
        if (s == null || t == null) {
          out.add(new TableRecheck(name, true, "missing on the " + (s == null ? "source" : "target"), 0, 0, 0, 0,
              null, null, false));
          continue;
        }
        String whole = wholeBecause(r, name, s, t, sourceChanges, targetChanges);
        Set<List<String>> keys = new HashSet<>(sourceChanges.keysOf(name));
        keys.addAll(targetChanges.keysOf(name));
        keys.addAll(r.keys().getOrDefault(name, List.of()));
        List<KeyRange> ranges = r.ranges().getOrDefault(name, List.of());
        if (whole == null && keys.isEmpty() && ranges.isEmpty()) {
          out.add(new TableRecheck(name, false, null, 0, 0, 0, 0, null, null, true));
          continue;
        }
        TableFingerprint fs = fingerprint(source, s.layout(), whole, keys, ranges, options, bytes);
        TableFingerprint ft = fingerprint(target, t.layout(), whole, keys, ranges, options, bytes);
        out.add(new TableRecheck(name, whole != null, whole, whole != null ? 0 : keys.size(),
            whole != null ? 0 : ranges.size(), fs.rows(), ft.rows(), fs.hash(), ft.hash(), fs.hash().equals(ft.hash())));
        progress.accept(out.size() + "/" + names.size() + " tables re-checked");
      }
      // The objects whole, in the same snapshots: they are small next to the rows (a catalog read, the
      // sequences, large objects and materialized views), and no change log sees DDL or sequences.
      List<DatabaseObject> sourceObjects = r.objects() ? SchemaObjects.read(source, r.owners(), Fingerprinter.rowHasher(options, bytes)) : null;
      List<DatabaseObject> targetObjects = r.objects() ? SchemaObjects.read(target, r.owners(), Fingerprinter.rowHasher(options, bytes)) : null;
      source.rollback();
      target.rollback();
      return new ChangesVerified(out, sourceChanges.changes() + targetChanges.changes(), bytes[0],
          (System.nanoTime() - started) / 1_000_000, sourceObjects, targetObjects);
    }
  }

  /**
   * Reduces the baselines' differing ranges to the keys whose rows differ now. Each side is read at its
   * own moment, which is enough: the change logs started before, so a key that differs later is in them.
   */
  static BaselineKeys narrow(BaselineNarrowRequest r, Consumer<String> progress) throws SQLException {
    long started = System.nanoTime();
    Map<String, List<List<String>>> keys = new TreeMap<>();
    List<String> unresolved = new ArrayList<>();
    long rows = 0;
    try (Connection source = Connections.open(r.source());
        Connection target = Connections.open(r.target())) {
      Snapshots.snapshot(source);
      Snapshots.snapshot(target);
      for (Map.Entry<String, List<KeyRange>> e : r.ranges().entrySet()) {
        Layout s = Catalog.layout(source, Catalog.table(source, e.getKey()));
        Layout t = Catalog.layout(target, Catalog.table(target, e.getKey()));
        if (s.keyless() || !s.descriptor().equals(t.descriptor())) {
          unresolved.add(e.getKey());
          continue;
        }
        Narrower.Diff diff = Narrower.diff(source, target, s, t, e.getValue(), r.limit());
        rows += diff.rows();
        Set<List<String>> differing = new java.util.LinkedHashSet<>(diff.sourceKeys());
        differing.addAll(diff.targetKeys());
        if (diff.truncated() || differing.size() > r.limit()) {
          unresolved.add(e.getKey());
        } else {
          keys.put(e.getKey(), List.copyOf(differing));
        }
        progress.accept(keys.size() + unresolved.size() + "/" + r.ranges().size() + " tables narrowed");
      }
      source.rollback();
      target.rollback();
    }
    return new BaselineKeys(keys, unresolved, rows, (System.nanoTime() - started) / 1_000_000);
  }

  /** Why a table must be re-read in full, or null when its changed keys and differing ranges suffice. */
  private static String wholeBecause(ChangesRequest r, String name, Described s, Described t,
      ChangeLog.Changes sourceChanges, ChangeLog.Changes targetChanges) {
    if (r.whole().contains(name)) {
      return "the baselines differ throughout";
    }
    if (s.layout().keyless()) {
      return "no primary key";
    }
    if (s.unlogged() || t.unlogged()) {
      return "unlogged: its changes never reach a change log";
    }
    // A column added with a default, or a type changed, rewrites rows without logging row changes.
    if (!s.digest().equals(r.sourceLayouts().get(name))) {
      return r.sourceLayouts().containsKey(name) ? "its columns changed on the source since the baseline"
          : "not in the source's baseline";
    }
    if (!t.digest().equals(r.targetLayouts().get(name))) {
      return r.targetLayouts().containsKey(name) ? "its columns changed on the target since the baseline"
          : "not in the target's baseline";
    }
    if (sourceChanges.whole().containsKey(name)) {
      return "on the source: " + sourceChanges.whole().get(name);
    }
    if (targetChanges.whole().containsKey(name)) {
      return "on the target: " + targetChanges.whole().get(name);
    }
    return null;
  }

  private static TableFingerprint fingerprint(Connection c, Layout layout, String whole, Set<List<String>> keys,
      List<KeyRange> ranges, Fingerprinter.Options options, long[] bytes) throws SQLException {
    String where = null;
    if (whole == null) {
      List<String> any = new ArrayList<>();
      ranges.forEach(range -> any.add("(" + layout.within(range) + ")"));
      if (!keys.isEmpty()) {
        any.add("(" + layout.keysIn(keys) + ")");
      }
      where = String.join(" OR ", any);
    }
    return Fingerprinter.table(c, layout, where, List.of(), options, bytes, b -> { });
  }

  /** On its own connection: reading a slot may not share the snapshot's transaction. */
  private static ChangeLog.Changes read(Database database, String slot, Map<String, Described> tables)
      throws SQLException {
    try (Connection c = Connections.open(database)) {
      if (!ChangeLog.recording(c, slot)) {
        throw new SQLException("the change log " + slot + " is gone, so changes since the baseline are unknown");
      }
      return ChangeLog.read(c, slot, name -> {
        Described d = tables.get(name);
        return d == null ? List.of() : d.layout().keyNames();
      });
    }
  }

  static Map<String, Described> layouts(Connection c, Verify verify) throws SQLException {
    Map<String, Described> out = new LinkedHashMap<>();
    for (Table table : Catalog.selected(Catalog.tables(c), verify)) {
      out.put(table.qualifiedName(), new Described(Catalog.layout(c, table), unlogged(c, table)));
    }
    return out;
  }

  private static boolean unlogged(Connection c, Table table) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT relpersistence = 'u' FROM pg_class WHERE oid = ?")) {
      ps.setLong(1, table.oid());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getBoolean(1);
      }
    }
  }

  private static String digest(Layout layout, boolean unlogged) {
    MessageDigest sha = Digests.sha256();
    String text = layout.descriptor() + "key " + layout.keyNames() + " " + layout.keyTypes() + "\nunlogged " + unlogged;
    return HexFormat.of().formatHex(sha.digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
