package dev.cutover.plan;

import java.util.List;
import java.util.Map;

/**
 * What the verify gate fingerprints. {@code tables} empty means every user table; {@code sums} names, per
 * table, numeric columns whose totals are shown side by side (the story's {@code sum_points}).
 */
public record Verify(TableSelection tables, Map<String, List<String>> sums) {

  public static final Verify ALL = new Verify(TableSelection.ALL, Map.of());

  public Verify {
    tables = tables == null ? TableSelection.ALL : tables;
    sums = sums == null ? Map.of() : Map.copyOf(sums);
  }
}
