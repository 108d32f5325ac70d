package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a fleet passes its apps' confirm gates: one confirm for all of them, or one per app. */
public enum FleetConfirm {
  /** One {@code cutover confirm --fleet NAME} releases every app, at most maxConcurrent at a time. */
  @JsonProperty("batch")
  BATCH,
  /** Each app is confirmed on its own ({@code cutover confirm --fleet NAME --each APP}), still within maxConcurrent. */
  @JsonProperty("each")
  EACH
}
