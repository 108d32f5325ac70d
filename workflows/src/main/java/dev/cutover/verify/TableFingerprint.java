package dev.cutover.verify;

import java.util.List;
import java.util.Map;

/**
 * What one side knows about one table: row count, chosen column sums (as text, so numeric precision
 * survives), a content hash over every row in key order, and the chunks that hash is made of.
 */
public record TableFingerprint(String table, long rows, Map<String, String> sums, String hash, List<Chunk> chunks) {

  public TableFingerprint {
    sums = sums == null ? Map.of() : Map.copyOf(sums);
    chunks = chunks == null ? List.of() : List.copyOf(chunks);
  }
}
