package dev.cutover.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** Minimum, median and maximum of a few runs: the median is the figure, the spread says how noisy it was. */
public record Stats(double min, double median, double max, int runs) {

  public static Stats of(List<Double> values) {
    if (values.isEmpty()) {
      return null;
    }
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    return new Stats(sorted.get(0), median, sorted.get(n - 1), n);
  }

  /** {@code median (min-max)} with the given decimals. */
  public String format(int decimals) {
    String f = "%." + decimals + "f";
    return runs == 1 ? String.format(Locale.ROOT, f + " (1 run)", median)
        : String.format(Locale.ROOT, f + " (" + f + "-" + f + ")", median, min, max);
  }
}
