package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How the data moves. {@code jobs} is the parallelism of dump and restore. {@code owner}: with
 * {@code target-user} (the default) every restored object belongs to the target's connecting user and
 * no grants are copied; with {@code keep}, owners and grants are restored as on the source, which needs
 * every role they name to exist on the target server already (roles are per server, not per database).
 */
public record Copy(Strategy strategy, Integer jobs, Owner owner) {

  public static final Copy DEFAULT = new Copy(Strategy.DUMP_RESTORE, 2, Owner.TARGET_USER);

  public Copy {
    strategy = strategy == null ? Strategy.DUMP_RESTORE : strategy;
    jobs = jobs == null ? 2 : jobs;
    owner = owner == null ? Owner.TARGET_USER : owner;
  }

  public enum Strategy {
    @JsonProperty("dump-restore")
    DUMP_RESTORE,
    @JsonProperty("logical")
    LOGICAL
  }

  public enum Owner {
    @JsonProperty("target-user")
    TARGET_USER,
    @JsonProperty("keep")
    KEEP
  }
}
