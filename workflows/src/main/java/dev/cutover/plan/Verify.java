package dev.cutover.plan;

import java.util.List;
import java.util.Map;

/**
 * What the verify gate fingerprints. {@code tables} empty means every user table; {@code sums} names, per
 * table, numeric columns whose totals are shown side by side (the story's {@code sum_points}).
 * {@code beforeFreeze} (logical moves, default true): fingerprint both sides before the freeze and, inside
 * it, re-check only the rows that changed since; false re-reads every row inside the freeze.
 */
public record Verify(TableSelection tables, Map<String, List<String>> sums, Boolean beforeFreeze) {

  public static final Verify ALL = new Verify(TableSelection.ALL, Map.of(), true);

  public Verify {
    tables = tables == null ? TableSelection.ALL : tables;
    sums = sums == null ? Map.of() : Map.copyOf(sums);
    beforeFreeze = beforeFreeze == null || beforeFreeze;
  }

  public Verify(TableSelection tables, Map<String, List<String>> sums) {
    this(tables, sums, true);
  }

  /** The same selection, fingerprinted in full at the freeze. */
  public Verify withTables(TableSelection other) {
    return new Verify(other, sums, beforeFreeze);
  }
}
