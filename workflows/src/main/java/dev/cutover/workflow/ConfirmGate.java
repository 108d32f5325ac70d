package dev.cutover.workflow;

import dev.cutover.plan.Durations;
import dev.cutover.plan.Plan;
import dev.cutover.workflow.CutoverWorkflow.AbortRequest;
import dev.cutover.workflow.CutoverWorkflow.Confirmation;
import dev.cutover.workflow.StepStatus.State;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Phase 4, the human gate, and the decisions it waits for: who confirmed or aborted, and when. The
 * handlers (signals, and the updates that answer the sender) only record a decision; the move acts on it
 * at its next step. The validators say why a decision would not count, before it is recorded.
 */
final class ConfirmGate {

  private static final Logger log = Workflow.getLogger(ConfirmGate.class);
  private static final Duration LAG_POLL = Duration.ofSeconds(60);
  private static final Duration LAG_POLL_STALE = Duration.ofMinutes(10);

  private Decision confirmed;
  private Decision aborted;
  private boolean waiting;
  private boolean stale;

  Decision confirmed() {
    return confirmed;
  }

  Decision aborted() {
    return aborted;
  }

  boolean waiting() {
    return waiting;
  }

  boolean stale() {
    return stale;
  }

  /** A rollback's command is itself the human decision: the gate is passed in its asker's name. */
  void passedBy(String by, Steps steps) {
    confirmed = new Decision(by, Workflow.currentTimeMillis(), "rollback");
    steps.skip(Phase.CONFIRM, "wait for confirm", "confirmed by " + by + " when asking for the rollback");
  }

  /** Why a confirm would not count now, or null when it would. */
  String whyNotConfirm() {
    if (aborted != null) {
      return "the move was already aborted by " + aborted.by() + reasonSuffix(aborted);
    }
    if (confirmed != null) {
      return "the move was already confirmed by " + confirmed.by();
    }
    if (!waiting) {
      return "the move is not waiting at the confirm gate";
    }
    return null;
  }

  /** Why an abort would not count now ({@code tooLate}: the switch has begun or the move has ended), or null. */
  String whyNotAbort(boolean tooLate) {
    if (aborted != null) {
      return "the move was already aborted by " + aborted.by() + reasonSuffix(aborted);
    }
    if (tooLate) {
      return "the switch has begun or the move has ended: use `cutover rollback` after it ends";
    }
    return null;
  }

  /** Records a confirm that counts; one that does not is logged and ignored (a signal has no one to answer). */
  Decision confirm(Confirmation confirmation) {
    String rejected = whyNotConfirm();
    if (rejected != null) {
      log.warn("confirm by {} ignored: {}", confirmation.by(), rejected);
      return null;
    }
    confirmed = new Decision(confirmation.by(), Workflow.currentTimeMillis(), null);
    return confirmed;
  }

  Decision abort(AbortRequest request, boolean tooLate) {
    String rejected = whyNotAbort(tooLate);
    if (rejected != null) {
      log.warn("abort by {} ignored: {}", request.by(), rejected);
      return null;
    }
    aborted = new Decision(request.by(), Workflow.currentTimeMillis(), request.reason());
    return aborted;
  }

  /** Ends the forward path once someone aborted: the saga then undoes what was done. */
  void stopIfAborted() {
    if (aborted != null) {
      throw new StopMove(Outcome.ABORTED, "aborted by " + aborted.by() + reasonSuffix(aborted));
    }
  }

  String abortedSummary() {
    return "aborted at the confirm gate by " + aborted.by() + reasonSuffix(aborted);
  }

  /**
   * Waits for a confirm or an abort, marking the move stale after {@code confirm.staleAfter}. A logical move
   * wakes every minute meanwhile to read the replication lag ({@code readLag}). True when confirmed.
   */
  boolean await(Plan plan, Steps steps, boolean logical, Runnable readLag) {
    waiting = true;
    int index = steps.begin(Phase.CONFIRM, "wait for confirm");
    Duration staleAfter = plan.confirm().staleAfter();
    long staleAt = Workflow.currentTimeMillis() + staleAfter.toMillis();
    while (confirmed == null && aborted == null) {
      // Wake for whichever comes first: a decision, the stale mark, or (logical) the next lag reading.
      long untilStale = staleAt - Workflow.currentTimeMillis();
      Duration wait = stale ? LAG_POLL_STALE : untilStale > 0 ? Duration.ofMillis(untilStale) : Duration.ZERO;
      if (logical && !stale) {
        wait = wait.compareTo(LAG_POLL) > 0 ? LAG_POLL : wait;
      }
      boolean decided = wait.isZero() ? false : Workflow.await(wait, () -> confirmed != null || aborted != null);
      if (decided) {
        break;
      }
      if (!stale && Workflow.currentTimeMillis() >= staleAt) {
        stale = true;
        log.warn("the move of {} has waited at the confirm gate for {}: it is stale", plan.app(), staleAfter);
        steps.update(index, "stale: waiting longer than " + Durations.format(staleAfter));
        if (Workflow.getTypedSearchAttributes().containsKey(CutoverSearchAttributes.PHASE)) {
          Workflow.upsertTypedSearchAttributes(CutoverSearchAttributes.PHASE.valueSet("CONFIRM_STALE"));
        }
        Workflow.upsertMemo(Map.of("stale", true));
        if (!logical) {
          Workflow.await(() -> confirmed != null || aborted != null);
        }
      }
      if (logical && confirmed == null && aborted == null) {
        readLag.run();
      }
    }
    waiting = false;
    if (aborted != null) {
      steps.end(index, State.FAILED, "aborted by " + aborted.by() + reasonSuffix(aborted));
      return false;
    }
    steps.end(index, State.DONE, "confirmed by " + confirmed.by() + (stale ? " (after it went stale)" : ""));
    return true;
  }

  /** A validator's answer: the update is refused, and its sender told why. */
  static void refuse(String why) {
    if (why != null) {
      throw new IllegalStateException(why);
    }
  }

  /**
   * A handler checks again: between a validator and its handler another decision may have been recorded
   * (two updates in one workflow task). A failed update reaches its sender like a refusal.
   */
  static Decision answer(String why, Supplier<Decision> record) {
    if (why != null) {
      throw ApplicationFailure.newNonRetryableFailure(why, "REJECTED");
    }
    return record.get();
  }

  private static String reasonSuffix(Decision decision) {
    return decision.reason() == null || decision.reason().isBlank() ? "" : ": " + decision.reason();
  }
}
