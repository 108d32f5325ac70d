package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How the data moves. {@code jobs} is the parallelism of dump and restore. */
public record Copy(Strategy strategy, Integer jobs) {

  public static final Copy DEFAULT = new Copy(Strategy.DUMP_RESTORE, 2);

  public Copy {
    strategy = strategy == null ? Strategy.DUMP_RESTORE : strategy;
    jobs = jobs == null ? 2 : jobs;
  }

  public enum Strategy {
    @JsonProperty("dump-restore")
    DUMP_RESTORE,
    @JsonProperty("logical")
    LOGICAL
  }
}
