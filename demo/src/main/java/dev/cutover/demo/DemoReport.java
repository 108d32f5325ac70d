package dev.cutover.demo;

import java.util.List;

/**
 * What the demo proves, as numbers: the blackout the databases saw, what the players saw at the front
 * door, and the lookup of every acknowledged write on the database that is live at the end.
 *
 * @param outcome the move's outcome (COMPLETED, ROLLED_BACK, ...)
 * @param liveBox the box that accepts writes at the end
 * @param blackoutMillis last source commit to first target commit, server-side; null if the target never wrote
 * @param heldRequests requests that succeeded but waited {@value Players#HELD_MILLIS} ms or more
 * @param failedRequests requests answered non-2xx or not at all
 * @param acknowledged writes acknowledged: player actions answered 2xx plus committed nightly-writer runs
 * @param foundOnTarget of those, found on the live box's database (the target, after a completed move)
 * @param lost acknowledged but not found: must be 0
 * @param oneWriterViolations monitor samples where more than one box accepted writes: must be 0
 * @param doorWriter what the writer through PgBouncer saw, when the world has a database door; else null
 */
public record DemoReport(
    String outcome,
    String liveBox,
    Long blackoutMillis,
    String lastSourceCommit,
    String firstTargetCommit,
    Long estimatedBlackoutMillis,
    int sentRequests,
    int heldRequests,
    int failedRequests,
    int resentRequests,
    long slowestRequestMillis,
    int playerActions,
    int writerRuns,
    int acknowledged,
    int foundOnTarget,
    int lost,
    List<String> lostSample,
    int oneWriterSamples,
    int oneWriterViolations,
    List<String> failureSample,
    long wallMillis,
    DoorWriter.Result doorWriter) {}
