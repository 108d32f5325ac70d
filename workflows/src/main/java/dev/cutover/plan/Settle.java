package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;

/**
 * "Finished, not the whistle": the freeze waits until every guard holds and has held for {@code stableFor}.
 */
public record Settle(List<Guard> guards, Duration stableFor, Duration timeout, Duration pollEvery) {

  public static final Settle NONE = new Settle(List.of(), null, null, null);

  public Settle {
    guards = guards == null ? List.of() : List.copyOf(guards);
    stableFor = stableFor == null ? Duration.ZERO : stableFor;
    timeout = timeout == null ? Duration.ofHours(2) : timeout;
    pollEvery = pollEvery == null ? Duration.ofSeconds(2) : pollEvery;
  }

  /** A SQL predicate run on the source that must return true, e.g. "every finished match is graded". */
  public record Guard(@JsonProperty(required = true) String name, @JsonProperty(required = true) String sql) {}
}
