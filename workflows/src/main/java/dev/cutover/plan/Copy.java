package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;

/**
 * How the data moves. {@code jobs} is the parallelism of dump and restore. {@code owner}: with
 * {@code target-user} (the default) every restored object belongs to the target's connecting user and
 * no grants are copied; with {@code keep}, owners and grants are restored as on the source, which needs
 * every role they name to exist on the target server already (roles are per server, not per database).
 * {@code replicaIdentityFull} (logical only): pre-sync sets {@code REPLICA IDENTITY FULL} on source tables
 * that have neither a primary key nor a replica identity, which logical replication needs to carry their
 * updates and deletes; each such update or delete then writes the whole old row to the WAL.
 * {@code rollbackWindow} (logical only): how long after the switch the old box is kept current by a reverse
 * stream from the new box, so that {@code cutover rollback} is a short freeze instead of a full copy; null
 * (the default) keeps no stream, and the old box is a fallback frozen at the switch.
 */
public record Copy(Strategy strategy, Integer jobs, Owner owner, Boolean replicaIdentityFull, Duration rollbackWindow) {

  public static final Copy DEFAULT = new Copy(Strategy.DUMP_RESTORE, 2, Owner.TARGET_USER, false);
  /** The shortest and longest reverse stream: a slot holds the new box's WAL for as long as it lives. */
  public static final Duration LEAST_WINDOW = Duration.ofMinutes(1);
  public static final Duration MOST_WINDOW = Duration.ofDays(30);

  public Copy {
    strategy = strategy == null ? Strategy.DUMP_RESTORE : strategy;
    jobs = jobs == null ? 2 : jobs;
    owner = owner == null ? Owner.TARGET_USER : owner;
    replicaIdentityFull = replicaIdentityFull != null && replicaIdentityFull;
  }

  public Copy(Strategy strategy, Integer jobs, Owner owner) {
    this(strategy, jobs, owner, null, null);
  }

  public Copy(Strategy strategy, Integer jobs, Owner owner, Boolean replicaIdentityFull) {
    this(strategy, jobs, owner, replicaIdentityFull, null);
  }

  /** Whether the move keeps the old box current after its switch. */
  @JsonIgnore
  public boolean keepsFallbackCurrent() {
    return strategy == Strategy.LOGICAL && rollbackWindow != null;
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
