package dev.cutover.database;

import dev.cutover.support.Heartbeats;
import dev.cutover.workflow.CutoverFailure;

/**
 * The copy strategies: {@code dump-restore} through the libpq tools ({@link DumpRestore}) and {@code logical}
 * replication, one step file each. Plain constructor: usable with or without Spring.
 */
public class CopyActivitiesImpl implements CopyActivities {

  @Override
  public CopyResult copy(CopyRequest request) {
    // The whole step is timed, the target's drop and fence too: the rehearsal's time is the estimate of
    // the freeze's copy, which drops a full target (the dump and restore alone were 25 % under it at S).
    long started = System.nanoTime();
    ServerFacts.Source source = ServerFacts.source(request.source(), request.sourceBox());
    int sourceMajor = source.major();
    TargetDatabases.recreate(request.app(), request.moveId(), request.target(), source.encoding());
    int targetMajor = ServerFacts.major(request.target(), request.targetBox());
    if (targetMajor < sourceMajor) {
      throw CutoverFailure.VERSION_INCOMPATIBLE.failure(
          "target PostgreSQL " + targetMajor + " is older than the source's " + sourceMajor);
    }
    CopyResult copied = DumpRestore.copy(request, sourceMajor, targetMajor, Heartbeats::send);
    return Connections.call(request.target(), "fencing the copy on " + request.targetBox(), c -> {
      // The target stays fenced against the app until the switch.
      Fence.fence(c, request.app());
      return new CopyResult(copied.bytes(), Catalog.tables(c).size(), copied.dumpMillis(),
          (System.nanoTime() - started) / 1_000_000);
    });
  }

  @Override
  public SpareTarget prepareSpare(CopyRequest request) {
    long millis = TargetDatabases.emptyAhead(request.app(), request.moveId(), request.target(),
        ServerFacts.encoding(request.source()));
    return new SpareTarget(Connections.address(request.target()).database(), true, millis);
  }

  @Override
  public LogicalReadiness checkLogical(LogicalRequest request) {
    return ReplicationReadiness.check(request);
  }

  @Override
  public LogicalStarted startLogical(LogicalRequest request) {
    return ReplicationStart.start(request);
  }

  @Override
  public LogicalLag lag(LogicalRequest request) {
    return ReplicationLag.lag(request);
  }

  @Override
  public LogicalLag awaitInitialCopy(LogicalWaitRequest request) {
    return ReplicationLag.awaitInitialCopy(request);
  }

  @Override
  public LogicalCaughtUp catchUp(LogicalWaitRequest request) {
    return CatchUp.run(request);
  }

  @Override
  public void cleanupLogical(LogicalRequest request) {
    ReplicationCleanup.run(request);
  }

  @Override
  public ReverseStarted startReverse(ReverseRequest request) {
    return ReverseStream.start(request);
  }

  @Override
  public ReverseState watchReverse(ReverseRequest request) {
    return ReverseStream.watch(request);
  }

  @Override
  public ReverseClosed closeReverse(ReverseRequest request) {
    return ReverseStream.close(request);
  }

  @Override
  public LogicalStarted adoptReverse(LogicalRequest request) {
    return ReverseStream.adoptOrFail(request);
  }
}
