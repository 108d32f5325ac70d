package dev.cutover.verify;

import java.util.Map;

/**
 * What one side knows about one table: row count, chosen column sums (as text, so numeric precision
 * survives), and a content hash over every row in key order.
 */
public record TableFingerprint(String table, long rows, Map<String, String> sums, String hash) {

  public TableFingerprint {
    sums = sums == null ? Map.of() : Map.copyOf(sums);
  }
}
