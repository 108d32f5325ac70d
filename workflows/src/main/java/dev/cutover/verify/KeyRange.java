package dev.cutover.verify;

import java.util.List;

/**
 * An inclusive range of primary-key values, each key as the text of its columns in key order. For a table
 * without a primary key the "key" is the MD5 of the row's text, the order that table is hashed in.
 */
public record KeyRange(List<String> first, List<String> last) {

  public KeyRange {
    first = List.copyOf(first);
    last = List.copyOf(last);
  }

  /** {@code 17..4211}, or {@code (a, 1)..(c, 9)} for a composite key. */
  public String describe() {
    return Chunk.key(first) + ".." + Chunk.key(last);
  }
}
