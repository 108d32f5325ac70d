package dev.cutover.verify;

import java.util.List;
import java.util.Map;

/**
 * One row of the checksum table the story printed: both sides, and whether they agree. When they do not,
 * {@code differingRanges} are the key ranges whose chunks have no equal on the other side: every row that
 * differs lies in one of them, which is what {@code FingerprintActivities.narrow} lists. {@code checked} says
 * what the hashes cover when it is not every row (the re-check at the freeze after a baseline), else null.
 */
public record TableComparison(
    String table,
    Long sourceRows,
    Long targetRows,
    Map<String, String> sourceSums,
    Map<String, String> targetSums,
    String sourceHash,
    String targetHash,
    boolean matches,
    String difference,
    List<KeyRange> differingRanges,
    String checked) {

  public TableComparison {
    differingRanges = differingRanges == null ? List.of() : List.copyOf(differingRanges);
  }
}
