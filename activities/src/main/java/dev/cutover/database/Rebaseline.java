package dev.cutover.database;

import dev.cutover.plan.Database;
import dev.cutover.plan.Verify;
import dev.cutover.support.DaemonPool;
import dev.cutover.verify.FingerprintActivities.ChangeLogAdvance;
import dev.cutover.verify.FingerprintActivities.RebaselineRequest;
import dev.cutover.verify.FingerprintActivities.Rebaselined;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;

/**
 * Moves the baselines up to now, before the freeze, so the freeze's re-check reads seconds of changes
 * rather than everything since fingerprints taken minutes earlier (at 3 GB: 48 569 changes, 342 ms of a
 * 0.66 s blackout). Each side takes a snapshot, then reads its change log; the rows of every key either
 * log saw, and of the keys carried so far, are compared across the sides in those snapshots.
 *
 * <p>What the freeze must still re-read: the keys whose rows differ in these snapshots, and the keys of
 * changes a snapshot does not see (a transaction that committed after it was taken but before its log
 * was read), decided by transaction id against the snapshot, not by LSN, which is not the order commits
 * become visible in. Everything else a log read here is vouched for, and the log may move on past it
 * ({@link #advance}), in a separate step, once the workflow has recorded what this pass carries.
 */
final class Rebaseline {

  /** How long a pass waits for the target to apply what the source committed before it (see {@link #awaitTarget}). */
  private static final Duration APPLY_WAIT = Duration.ofSeconds(2);

  private Rebaseline() {}

  static Rebaselined pass(RebaselineRequest r, Consumer<String> progress) throws SQLException {
    return pass(r, progress, () -> { });
  }

  /** {@code meanwhile} runs between the snapshots and the log reads: where a test commits a racing change. */
  static Rebaselined pass(RebaselineRequest r, Consumer<String> progress, Recheck.SqlWork meanwhile)
      throws SQLException {
    long started = System.nanoTime();
    ExecutorService other = DaemonPool.of(1, "rebaseline-target");
    try (Side source = new Side(r.source(), ReplicationNames.changeLog(r.app(), "source"));
        Side target = new Side(r.target(), ReplicationNames.changeLog(r.app(), "target"))) {
      awaitTarget(r, progress);
      Recheck.both(other, () -> source.snapshot(r.verify()), () -> target.snapshot(r.verify()));
      meanwhile.run();
      // The snapshots first, then the logs: a change a snapshot does not see is either in this read, and
      // carried, or after it, and read by the freeze.
      Recheck.both(other, source::read, target::read);
      long changes = source.changes.changes() + target.changes.changes();
      progress.accept("read " + changes + " changes");

      Map<String, String> whole = new TreeMap<>();
      Map<String, Set<List<String>>> compare = new TreeMap<>();
      Set<String> names = new HashSet<>(source.changes.keys().keySet());
      names.addAll(target.changes.keys().keySet());
      names.addAll(r.keys().keySet());
      names.addAll(source.changes.whole().keySet());
      names.addAll(target.changes.whole().keySet());
      Map<String, List<List<String>>> carried = new TreeMap<>();
      for (String name : names) {
        if (leftToTheFreeze(name, source, target)) {
          // Keys carried before stay carried: the pass compares nothing here.
          if (r.keys().containsKey(name)) {
            carried.put(name, r.keys().get(name));
          }
          continue;
        }
        String why = wholeBecause(name, source, target);
        if (why != null) {
          whole.put(name, why);
          continue;
        }
        Set<List<String>> keys = new HashSet<>(source.changes.keysOf(name));
        keys.addAll(target.changes.keysOf(name));
        keys.addAll(r.keys().getOrDefault(name, List.of()));
        if (!keys.isEmpty()) {
          compare.put(name, keys);
        }
      }
      Recheck.both(other, () -> source.hash(compare), () -> target.hash(compare));

      long compared = 0;
      int total = carried.values().stream().mapToInt(List::size).sum();
      for (Map.Entry<String, Set<List<String>>> e : compare.entrySet()) {
        String name = e.getKey();
        compared += e.getValue().size();
        Set<List<String>> carry = differing(source.rows.get(name), target.rows.get(name));
        carry.addAll(source.changes.unseenOf(name));
        carry.addAll(target.changes.unseenOf(name));
        if (!carry.isEmpty()) {
          carried.put(name, List.copyOf(carry));
          total += carry.size();
        }
      }
      long millis = (System.nanoTime() - started) / 1_000_000;
      if (total > r.limit()) {
        return new Rebaselined(Map.of(), Map.of(), null, null, changes, compared, millis,
            total + " keys would be carried to the freeze, more than " + r.limit());
      }
      progress.accept(compared + " keys compared, " + total + " carried");
      return new Rebaselined(carried, whole, source.changes.lastCommitEnd(), target.changes.lastCommitEnd(), changes,
          compared, millis, null);
    } finally {
      other.shutdownNow();
    }
  }

  /**
   * The target first applies what the source committed so far (see {@link CatchUp#awaitApplied}): without
   * it, every change still in flight to the target at the pass is read again by the freeze, from the
   * target's log (a re-check under a fast writer read 1357 changes for 49 commits after the last pass).
   */
  private static void awaitTarget(RebaselineRequest r, Consumer<String> progress) throws SQLException {
    long started = System.nanoTime();
    try (Connection source = Connections.open(r.source()); Connection target = Connections.open(r.target())) {
      Fence.asMover(source);
      Fence.asMover(target);
      Long behind = CatchUp.awaitApplied(source, target, ReplicationNames.copy(r.app()), APPLY_WAIT);
      long millis = (System.nanoTime() - started) / 1_000_000;
      if (behind != null) {
        progress.accept(behind == 0 ? "the target applied the source's commits in " + millis + " ms"
            : "the target is still behind after " + millis + " ms; compared as it is");
      }
    }
  }

  /** Moves one side's change log on; see {@link ChangeLog#advance}. */
  static void advance(ChangeLogAdvance r) throws SQLException {
    try (Connection c = Connections.open(r.database())) {
      String slot = ReplicationNames.changeLog(r.app(), r.side());
      if (!ChangeLog.advance(c, slot, r.lsn())) {
        throw new SQLException("the change log " + slot + " is gone, so changes since the baseline are unknown");
      }
    }
  }

  /**
   * A table the freeze re-reads whole or finds missing whatever a pass says (no key, unlogged, on one
   * side only): the freeze names why.
   */
  private static boolean leftToTheFreeze(String name, Side source, Side target) {
    Recheck.Described s = source.tables.get(name);
    Recheck.Described t = target.tables.get(name);
    return s == null || t == null || s.layout().keyless() || t.layout().keyless() || s.unlogged() || t.unlogged();
  }

  /** A table whose changes a log could not key, or whose columns differ: re-read whole in the freeze. */
  private static String wholeBecause(String name, Side source, Side target) {
    Recheck.Described s = source.tables.get(name);
    Recheck.Described t = target.tables.get(name);
    if (source.changes.whole().containsKey(name)) {
      return "on the source: " + source.changes.whole().get(name);
    }
    if (target.changes.whole().containsKey(name)) {
      return "on the target: " + target.changes.whole().get(name);
    }
    if (!s.layout().descriptor().equals(t.layout().descriptor())) {
      return "its columns differ between the sides";
    }
    return null;
  }

  /** Keys whose row is on one side only, or differs. */
  private static Set<List<String>> differing(Map<List<String>, byte[]> source, Map<List<String>, byte[]> target) {
    Map<List<String>, byte[]> s = source == null ? Map.of() : source;
    Map<List<String>, byte[]> t = target == null ? Map.of() : target;
    Set<List<String>> out = new HashSet<>();
    s.forEach((key, hash) -> {
      if (!Arrays.equals(hash, t.get(key))) {
        out.add(key);
      }
    });
    t.keySet().forEach(key -> {
      if (!s.containsKey(key)) {
        out.add(key);
      }
    });
    return out;
  }

  /** One side of the pass: its snapshot, what the snapshot sees, its tables, its change log, its row hashes. */
  private static final class Side implements AutoCloseable {
    private final Database database;
    private final String slot;
    private Connection c;
    private Map<String, Recheck.Described> tables;
    private ChangeLog.Changes changes;
    private final Map<String, Map<List<String>, byte[]>> rows = new HashMap<>();

    Side(Database database, String slot) {
      this.database = database;
      this.slot = slot;
    }

    private SeenBy seen;

    void snapshot(Verify verify) throws SQLException {
      c = Connections.open(database);
      Snapshots.snapshot(c);
      seen = SeenBy.of(c);
      tables = Recheck.layouts(c, verify);
    }

    void read() throws SQLException {
      changes = Recheck.read(database, slot, tables, seen);
    }

    void hash(Map<String, Set<List<String>>> compare) throws SQLException {
      for (Map.Entry<String, Set<List<String>>> e : compare.entrySet()) {
        Layout layout = tables.get(e.getKey()).layout();
        Map<List<String>, byte[]> hashes = new HashMap<>();
        BinaryCopy.stream(c, layout.select(layout.keysIn(e.getValue())), layout.keyFields(),
            (tuple, length, key) -> hashes.put(key, Narrower.hash(tuple, length)));
        rows.put(e.getKey(), hashes);
      }
      c.rollback();
    }

    @Override
    public void close() throws SQLException {
      if (c != null) {
        c.close();
      }
    }
  }
}
