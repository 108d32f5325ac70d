package dev.cutover.verify;

import java.util.List;

/**
 * A run of consecutive rows in key order and their hash. Where a chunk ends depends only on the keys in it
 * (see {@code Fingerprinter}), so a row missing on one side disturbs the chunk around it and no other:
 * equal chunks on both sides prove their key range equal, and the rest name where to look.
 */
public record Chunk(List<String> first, List<String> last, long rows, String hash) {

  public Chunk {
    first = List.copyOf(first);
    last = List.copyOf(last);
  }

  public KeyRange range() {
    return new KeyRange(first, last);
  }

  static String key(List<String> columns) {
    return columns.size() == 1 ? columns.get(0) : "(" + String.join(", ", columns) + ")";
  }
}
