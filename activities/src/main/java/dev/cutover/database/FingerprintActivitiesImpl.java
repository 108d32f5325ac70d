package dev.cutover.database;

import dev.cutover.plan.Verify;
import dev.cutover.support.Heartbeats;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.FingerprintActivities;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;

/**
 * Fingerprints ({@link Fingerprinter}), the rows behind a difference ({@link Narrower}), the passes that
 * move the baselines up before the freeze ({@link Rebaseline}) and the re-check at the freeze ({@link Recheck}). Plain constructor: usable with or without Spring.
 */
public class FingerprintActivitiesImpl implements FingerprintActivities {

  private final Fingerprinter.Options options;

  public FingerprintActivitiesImpl() {
    this(Fingerprinter.Options.DEFAULT);
  }

  /** Tests shrink the chunks to see many of them on small tables. */
  FingerprintActivitiesImpl(Fingerprinter.Options options) {
    this.options = options;
  }

  @Override
  public DatabaseFingerprint fingerprint(FingerprintRequest request) {
    return Connections.call(request.database(), "fingerprinting " + request.box(),
        c -> Fingerprinter.fingerprint(c, () -> Connections.open(request.database()), request.box(), request.verify(),
            request.objects(), request.owners(), options, FingerprintActivitiesImpl::progress));
  }

  @Override
  public ChangeLogStarted startChangeLog(ChangeLogRequest request) {
    return Connections.call(request.database(), "starting the change log on " + request.box(), c -> {
      Fence.asMover(c);
      return Recheck.start(c, ReplicationNames.changeLog(request.app(), request.side()), Verify.ALL);
    });
  }

  @Override
  public ChangesVerified verifyChanges(ChangesRequest request) {
    try {
      return Recheck.verify(request, options, FingerprintActivitiesImpl::progress);
    } catch (SQLException e) {
      throw Connections.failure("re-checking changes on " + request.sourceBox() + " and " + request.targetBox(), e);
    }
  }

  @Override
  public BaselineKeys narrowBaselines(BaselineNarrowRequest request) {
    try {
      return Recheck.narrow(request, FingerprintActivitiesImpl::progress);
    } catch (SQLException e) {
      throw Connections.failure("narrowing the baselines' differences on " + request.sourceBox() + " and "
          + request.targetBox(), e);
    }
  }

  @Override
  public Rebaselined rebaseline(RebaselineRequest request) {
    try {
      return Rebaseline.pass(request, FingerprintActivitiesImpl::progress);
    } catch (SQLException e) {
      throw Connections.failure("moving the baselines up on " + request.sourceBox() + " and "
          + request.targetBox(), e);
    }
  }

  @Override
  public void advanceChangeLog(ChangeLogAdvance request) {
    try {
      Rebaseline.advance(request);
    } catch (SQLException e) {
      throw Connections.failure("moving the change log on " + request.box() + " on to " + request.lsn(), e);
    }
  }

  @Override
  public void dropChangeLog(ChangeLogRequest request) {
    try (Connection c = Connections.open(request.database())) {
      Fence.asMover(c);
      ChangeLog.drop(c, ReplicationNames.changeLog(request.app(), request.side()));
    } catch (SQLException e) {
      if (!Jdbc.UNDEFINED_DATABASE.equals(e.getSQLState())) {
        throw Connections.failure("dropping the change log on " + request.box(), e);
      }
    }
  }

  @Override
  public TableDifference narrow(NarrowRequest request) {
    try (Connection source = Connections.open(request.source());
        Connection target = Connections.open(request.target())) {
      return Narrower.narrow(source, target, request);
    } catch (SQLException e) {
      throw Connections.failure("listing differences in " + request.table(), e);
    }
  }

  private static void progress(String line) {
    Heartbeats.send(Map.of("progress", line));
  }
}
