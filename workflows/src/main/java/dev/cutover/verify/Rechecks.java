package dev.cutover.verify;

import dev.cutover.verify.FingerprintActivities.TableRecheck;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the freeze must re-check after fingerprints taken before it (the baselines, one per side, usually of
 * different moments). Deterministic: runs inside the workflow.
 *
 * <p>Where the baselines' chunks agree, the two sides held the same rows at their baseline moments; a row
 * that differed lies in one of the {@link Comparisons#allDifferingRanges differing ranges}. So the freeze
 * re-reads those ranges, plus every key either side's change log saw after its baseline, and nothing else
 * can differ (the argument in docs/architecture.md).
 */
public final class Rechecks {

  /** Past this many differing ranges a table is re-read whole: one scan beats a thousand range scans. */
  static final int MAX_RANGES = 1000;

  private Rechecks() {}

  /** {@code ranges}: per table with differing ranges; {@code whole}: tables to re-read in full. */
  public record Plan(Map<String, List<KeyRange>> ranges, List<String> whole) {}

  public static Plan plan(DatabaseFingerprint source, DatabaseFingerprint target) {
    Map<String, TableFingerprint> left = byName(source);
    Map<String, TableFingerprint> right = byName(target);
    TreeSet<String> names = new TreeSet<>(left.keySet());
    names.addAll(right.keySet());
    Map<String, List<KeyRange>> ranges = new TreeMap<>();
    List<String> whole = new ArrayList<>();
    for (String name : names) {
      TableFingerprint s = left.get(name);
      TableFingerprint t = right.get(name);
      if (s == null || t == null) {
        whole.add(name);
        continue;
      }
      if (s.hash().equals(t.hash())) {
        continue;
      }
      List<KeyRange> differing = Comparisons.allDifferingRanges(s.chunks(), t.chunks());
      // No differing chunk but different hashes: the column lists differ, which no range re-check can mend.
      if (differing.isEmpty() || differing.size() > MAX_RANGES) {
        whole.add(name);
      } else {
        ranges.put(name, differing);
      }
    }
    return new Plan(ranges, whole);
  }

  /**
   * The status's fingerprint table after a re-check: per table, the rows and hashes of what the freeze
   * re-read, and in {@code checked} what that was on top of which baseline.
   */
  public static List<TableComparison> comparisons(
      DatabaseFingerprint source, DatabaseFingerprint target, List<TableRecheck> rechecks) {
    Map<String, TableFingerprint> left = byName(source);
    List<TableComparison> out = new ArrayList<>();
    for (TableRecheck r : rechecks) {
      TableFingerprint baseline = left.get(r.table());
      String base = baseline == null ? "" : "; baseline of " + baseline.rows() + " rows before the freeze";
      String checked;
      if (r.whole()) {
        checked = "re-read whole at the freeze (" + r.why() + ")";
      } else if (r.changedKeys() == 0 && r.ranges() == 0) {
        checked = "unchanged on both sides since the baseline" + base;
      } else {
        checked = "re-read " + r.changedKeys() + " changed keys and " + r.ranges() + " differing ranges at the freeze"
            + base;
      }
      out.add(new TableComparison(r.table(), r.sourceRows(), r.targetRows(), Map.of(), Map.of(), r.sourceHash(),
          r.targetHash(), r.matches(), r.matches() ? null : "differs where re-read at the freeze", List.of(), checked));
    }
    return out;
  }

  private static Map<String, TableFingerprint> byName(DatabaseFingerprint fingerprint) {
    Map<String, TableFingerprint> map = new TreeMap<>();
    fingerprint.tables().forEach(t -> map.put(t.table(), t));
    return map;
  }
}
