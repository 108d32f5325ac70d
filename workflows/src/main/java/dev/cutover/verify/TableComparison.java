package dev.cutover.verify;

import java.util.Map;

/** One row of the checksum table the story printed: both sides, and whether they agree. */
public record TableComparison(
    String table,
    Long sourceRows,
    Long targetRows,
    Map<String, String> sourceSums,
    Map<String, String> targetSums,
    String sourceHash,
    String targetHash,
    boolean matches,
    String difference) {}
