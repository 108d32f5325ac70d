package dev.cutover.database;

import dev.cutover.verify.FingerprintActivities.NarrowRequest;
import dev.cutover.verify.FingerprintActivities.TableDifference;
import dev.cutover.verify.KeyRange;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the keys that differ inside the key ranges a chunk comparison flagged. Per range, the source's
 * keys and row hashes (the same binary tuples the fingerprint hashes) are held in a map, bounded by
 * {@link #MAX_HELD}, and the target's are streamed against it.
 */
final class Narrower {

  /** Rows of one range held at once; a range is about 8 chunks at most, so this is rarely reached. */
  static final int MAX_HELD = 1_000_000;

  private Narrower() {}

  private static final class Held {
    final byte[] hash;
    int count;

    Held(byte[] hash) {
      this.hash = hash;
    }
  }

  static TableDifference narrow(Connection source, Connection target, NarrowRequest request) throws SQLException {
    Snapshots.snapshot(source);
    Snapshots.snapshot(target);
    try {
      Layout sourceLayout = Catalog.layout(source, Catalog.table(source, request.table()));
      Layout targetLayout = Catalog.layout(target, Catalog.table(target, request.table()));
      Diff diff = diff(source, target, sourceLayout, targetLayout, request.ranges(), request.limit());
      Map<String, List<String>> keyValues = new HashMap<>();
      Set<String> sourceKeys = new LinkedHashSet<>();
      Set<String> targetKeys = new LinkedHashSet<>();
      diff.sourceKeys().forEach(k -> sourceKeys.add(add(keyValues, k)));
      diff.targetKeys().forEach(k -> targetKeys.add(add(keyValues, k)));
      boolean truncated = diff.truncated();
      List<String> fromSource = sourceKeys.stream().limit(request.limit()).toList();
      List<String> fromTarget = targetKeys.stream().limit(request.limit()).toList();
      truncated |= fromSource.size() < sourceKeys.size() || fromTarget.size() < targetKeys.size();
      Map<String, String> sourceRows = new LinkedHashMap<>();
      Map<String, String> targetRows = new LinkedHashMap<>();
      if (request.showRows()) {
        rows(source, sourceLayout, fromSource, keyValues, sourceRows);
        rows(target, targetLayout, fromTarget, keyValues, targetRows);
      }
      return new TableDifference(Catalog.withSchema(request.table()), request.ranges(), fromSource,
          fromTarget, sourceRows, targetRows, truncated);
    } finally {
      source.rollback();
      target.rollback();
    }
  }

  /**
   * Keys inside {@code ranges} whose rows differ: on the source (changed, or missing on the target) and on
   * the target (changed, or missing on the source). Stops past {@code limit} keys on either side.
   */
  record Diff(Set<List<String>> sourceKeys, Set<List<String>> targetKeys, boolean truncated, long rows) {}

  static Diff diff(Connection source, Connection target, Layout sourceLayout, Layout targetLayout,
      List<KeyRange> ranges, int limit) throws SQLException {
    Set<List<String>> sourceKeys = new LinkedHashSet<>();
    Set<List<String>> targetKeys = new LinkedHashSet<>();
    boolean truncated = false;
    long[] rows = {0};
    for (KeyRange range : ranges) {
      Map<List<String>, Held> held = new LinkedHashMap<>();
      boolean[] full = {false};
      BinaryCopy.stream(source, sourceLayout.select(sourceLayout.within(range)), sourceLayout.keyFields(),
          (tuple, length, key) -> {
            rows[0]++;
            if (held.size() >= MAX_HELD && !held.containsKey(key)) {
              full[0] = true;
              return;
            }
            held.computeIfAbsent(key, k -> new Held(hash(tuple, length))).count++;
          });
      truncated |= full[0];
      BinaryCopy.stream(target, targetLayout.select(targetLayout.within(range)), targetLayout.keyFields(),
          (tuple, length, key) -> {
            rows[0]++;
            Held h = held.get(key);
            if (h != null && Arrays.equals(h.hash, hash(tuple, length))) {
              if (--h.count == 0) {
                held.remove(key);
              }
            } else if (!full[0] || h != null) {
              // Changed (both sides hold the key) or only on the target.
              targetKeys.add(key);
              if (h != null) {
                sourceKeys.add(key);
                held.remove(key);
              }
            }
          });
      sourceKeys.addAll(held.keySet());
      if (sourceKeys.size() > limit || targetKeys.size() > limit) {
        truncated = true;
        break;
      }
    }
    return new Diff(sourceKeys, targetKeys, truncated, rows[0]);
  }

  private static String add(Map<String, List<String>> keyValues, List<String> key) {
    String shown = key.size() == 1 ? key.get(0) : "(" + String.join(", ", key) + ")";
    keyValues.put(shown, key);
    return shown;
  }

  private static void rows(Connection c, Layout layout, List<String> keys, Map<String, List<String>> values,
      Map<String, String> out) throws SQLException {
    for (String key : keys) {
      String sql = "SELECT t::text FROM " + layout.table().from() + " AS t WHERE "
          + layout.keyEquals(values.get(key)) + " LIMIT 1";
      try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
        if (rs.next()) {
          out.put(key, rs.getString(1));
        }
      }
    }
  }

  /** A row's hash as narrowing and the passes before the freeze compare it: 16 bytes of SHA-256. */
  static byte[] hash(byte[] tuple, int length) {
    MessageDigest d = Digests.sha256();
    d.update(tuple, 0, length);
    return Arrays.copyOf(d.digest(), 16);
  }
}
