package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How the data moves. {@code jobs} is the parallelism of dump and restore. {@code owner}: with
 * {@code target-user} (the default) every restored object belongs to the target's connecting user and
 * no grants are copied; with {@code keep}, owners and grants are restored as on the source, which needs
 * every role they name to exist on the target server already (roles are per server, not per database).
 * {@code replicaIdentityFull} (logical only): pre-sync sets {@code REPLICA IDENTITY FULL} on source tables
 * that have neither a primary key nor a replica identity, which logical replication needs to carry their
 * updates and deletes; each such update or delete then writes the whole old row to the WAL.
 */
public record Copy(Strategy strategy, Integer jobs, Owner owner, Boolean replicaIdentityFull) {

  public static final Copy DEFAULT = new Copy(Strategy.DUMP_RESTORE, 2, Owner.TARGET_USER, false);

  public Copy {
    strategy = strategy == null ? Strategy.DUMP_RESTORE : strategy;
    jobs = jobs == null ? 2 : jobs;
    owner = owner == null ? Owner.TARGET_USER : owner;
    replicaIdentityFull = replicaIdentityFull != null && replicaIdentityFull;
  }

  public Copy(Strategy strategy, Integer jobs, Owner owner) {
    this(strategy, jobs, owner, null);
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
