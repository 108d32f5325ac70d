package dev.cutover.workflow;

import dev.cutover.database.CopyActivities;
import dev.cutover.database.CopyActivities.ReverseRequest;
import dev.cutover.database.CopyActivities.ReverseState;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * Looks at the reverse stream every few seconds until the window ends, a close, or a rollback's hand-over.
 * A look that fails is itself news (the stream is shown broken), not a reason to stop watching: the
 * activity answers "broken" for what it can name, and only the worker's own trouble raises.
 */
public class FallbackWorkflowImpl implements FallbackWorkflow {

  private static final Logger log = Workflow.getLogger(FallbackWorkflowImpl.class);
  /** Looks per run before a continue-as-new: a day of looks every 10 s would outgrow one history. */
  static final int LOOKS_PER_RUN = 500;
  private static final int SAMPLE = 5;

  private final CopyActivities copies =
      Workflow.newActivityStub(CopyActivities.class, ActivityPolicies.DEFAULT, ActivityPolicies.COPY);

  private FallbackStatus status;
  private String closeBy;
  private String handOverBy;

  @Override
  public FallbackStatus run(FallbackRequest request) {
    ReverseRequest stream = request.stream();
    status = request.carried() != null ? request.carried()
        : new FallbackStatus(stream.app(), stream.liveBox(), stream.fallbackBox(), State.STREAMING, null, null,
            request.closesAtMillis(), 0, List.of(), null);
    for (int look = 0; look < LOOKS_PER_RUN; look++) {
      long untilClose = status.closesAtMillis() - Workflow.currentTimeMillis();
      long wait = Math.max(0, Math.min(request.everyMillis(), untilClose));
      Workflow.await(Duration.ofMillis(wait), () -> closeBy != null || handOverBy != null);
      if (handOverBy != null) {
        return end(State.HANDED_OVER, "handed over to the rollback asked for by " + handOverBy);
      }
      if (closeBy != null || Workflow.currentTimeMillis() >= status.closesAtMillis()) {
        copies.closeReverse(stream);
        return end(State.CLOSED, closeBy != null ? "closed by " + closeBy : "the rollback window ended");
      }
      try {
        seen(copies.watchReverse(stream));
      } catch (ActivityFailure failed) {
        seen(new ReverseState(true, "could not look at it: " + Steps.reason(failed), null, null, null, 0, 0,
            List.of()));
      }
    }
    Workflow.continueAsNew(new FallbackRequest(stream, status.closesAtMillis(), request.everyMillis(), status));
    return status;
  }

  private void seen(ReverseState state) {
    List<String> sample = new ArrayList<>(status.straySample());
    for (String stray : state.straySample()) {
      if (sample.size() < SAMPLE) {
        sample.add(stray);
      }
    }
    if (state.strayWrites() > 0) {
      log.error("two writers: {} commit(s) on {} that did not come from the reverse stream: {}",
          state.strayWrites(), status.fallbackBox(), state.straySample());
    }
    status = new FallbackStatus(status.app(), status.liveBox(), status.fallbackBox(),
        state.streaming() ? State.STREAMING : State.BROKEN, state, Workflow.currentTimeMillis(),
        status.closesAtMillis(), status.strayWrites() + state.strayWrites(), sample, null);
  }

  private FallbackStatus end(State state, String why) {
    status = new FallbackStatus(status.app(), status.liveBox(), status.fallbackBox(), state, status.last(),
        status.checkedAtMillis(), status.closesAtMillis(), status.strayWrites(), status.straySample(), why);
    return status;
  }

  @Override
  public FallbackStatus status() {
    return status;
  }

  @Override
  public FallbackStatus close(Closing closing) {
    closeBy = closing.by();
    Workflow.await(() -> !status.running());
    return status;
  }

  @Override
  public void validateClose(Closing closing) {
    refuseWhenEnded();
  }

  @Override
  public FallbackStatus handOver(Closing closing) {
    handOverBy = closing.by();
    Workflow.await(() -> !status.running());
    return status;
  }

  @Override
  public void validateHandOver(Closing closing) {
    refuseWhenEnded();
  }

  private void refuseWhenEnded() {
    if (status != null && !status.running()) {
      throw new IllegalStateException("the reverse stream of " + status.app() + " has ended: " + status.ended());
    }
  }
}
