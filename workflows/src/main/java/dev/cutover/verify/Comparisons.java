package dev.cutover.verify;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/** Compares two database fingerprints table by table. Deterministic: runs inside the workflow. */
public final class Comparisons {

  /** Enough to point at what differs; a table that differs everywhere is reported by its first ranges. */
  public static final int MAX_RANGES = 100;

  private Comparisons() {}

  public static List<TableComparison> compare(DatabaseFingerprint source, DatabaseFingerprint target) {
    Map<String, TableFingerprint> left = byName(source);
    Map<String, TableFingerprint> right = byName(target);
    TreeMap<String, Boolean> names = new TreeMap<>();
    left.keySet().forEach(n -> names.put(n, true));
    right.keySet().forEach(n -> names.put(n, true));
    List<TableComparison> out = new ArrayList<>();
    for (String name : names.keySet()) {
      out.add(compare(name, left.get(name), right.get(name)));
    }
    return out;
  }

  public static boolean allMatch(List<TableComparison> comparisons) {
    return !comparisons.isEmpty() && comparisons.stream().allMatch(TableComparison::matches);
  }

  private static TableComparison compare(String name, TableFingerprint s, TableFingerprint t) {
    if (s == null || t == null) {
      String missing = s == null ? "missing on the source" : "missing on the target";
      return new TableComparison(name, rows(s), rows(t), sums(s), sums(t), hash(s), hash(t), false, missing, List.of(), null);
    }
    List<String> differences = new ArrayList<>();
    if (s.rows() != t.rows()) {
      differences.add("rows " + s.rows() + " != " + t.rows());
    }
    if (!s.sums().equals(t.sums())) {
      for (String column : new TreeMap<>(s.sums()).keySet()) {
        if (!Objects.equals(s.sums().get(column), t.sums().get(column))) {
          differences.add("sum(" + column + ") " + s.sums().get(column) + " != " + t.sums().get(column));
        }
      }
    }
    List<KeyRange> ranges = List.of();
    if (!s.hash().equals(t.hash())) {
      ranges = differingRanges(s.chunks(), t.chunks());
      if (ranges.isEmpty() && s.chunks().isEmpty() && t.chunks().isEmpty()) {
        differences.add("content hash differs");
      } else if (ranges.isEmpty()) {
        // Every chunk has its equal: what differs is the column list the hash starts with.
        differences.add("content hash differs (column names or types differ)");
      } else {
        differences.add("content hash differs in key ranges "
            + String.join(", ", ranges.stream().limit(5).map(KeyRange::describe).toList())
            + (ranges.size() > 5 ? " and " + (ranges.size() - 5) + " more" : ""));
      }
    }
    return new TableComparison(
        name, s.rows(), t.rows(), s.sums(), t.sums(), s.hash(), t.hash(), differences.isEmpty(),
        differences.isEmpty() ? null : String.join("; ", differences), ranges, null);
  }

  /**
   * The key ranges of the chunks, on either side, that have no identical chunk (same first and last key,
   * row count and hash) on the other. A differing row lies in such a chunk on at least one side: on the
   * source if it is there, else on the target. Capped, since a status must stay small.
   */
  static List<KeyRange> differingRanges(List<Chunk> source, List<Chunk> target) {
    return allDifferingRanges(source, target).stream().limit(MAX_RANGES).toList();
  }

  /** {@link #differingRanges} without the cap, for the re-check at the freeze, which must see them all. */
  static List<KeyRange> allDifferingRanges(List<Chunk> source, List<Chunk> target) {
    Set<Chunk> onTarget = new HashSet<>(target);
    Set<Chunk> onSource = new HashSet<>(source);
    Set<KeyRange> out = new LinkedHashSet<>();
    source.stream().filter(c -> !onTarget.contains(c)).forEach(c -> out.add(c.range()));
    target.stream().filter(c -> !onSource.contains(c)).forEach(c -> out.add(c.range()));
    return List.copyOf(out);
  }

  private static Map<String, TableFingerprint> byName(DatabaseFingerprint fingerprint) {
    Map<String, TableFingerprint> map = new TreeMap<>();
    fingerprint.tables().forEach(t -> map.put(t.table(), t));
    return map;
  }

  private static Long rows(TableFingerprint f) {
    return f == null ? null : f.rows();
  }

  private static Map<String, String> sums(TableFingerprint f) {
    return f == null ? Map.of() : f.sums();
  }

  private static String hash(TableFingerprint f) {
    return f == null ? null : f.hash();
  }
}
