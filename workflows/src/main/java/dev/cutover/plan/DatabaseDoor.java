package dev.cutover.plan;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;

/**
 * A PgBouncer in front of the database, through which the app and the clients that bypass it connect.
 * The freeze PAUSEs its database {@code entry}, so their transactions wait instead of failing; the switch
 * rewrites that entry's {@code host}, {@code port} and {@code dbname} in {@code configFile} to the target's
 * (the rest of the file, and the rest of the line, are kept), RELOADs and RESUMEs. {@code admin} is how the
 * worker reaches PgBouncer's admin console: its address as a JDBC URL naming the {@code pgbouncer}
 * database, one of its {@code admin_users}, and where that user's password lives. {@code pauseTimeout}
 * bounds how long the PAUSE may wait for transactions in flight; past it the PAUSE is cancelled with RESUME
 * and the move stops before anything else changed.
 */
public record DatabaseDoor(
    @JsonProperty(required = true) Database admin,
    @JsonProperty(required = true) String entry,
    @JsonProperty(required = true) String configFile,
    Duration pauseTimeout) {

  /** Clients are held for the whole PAUSE: a longer wait is an outage, not a hold. */
  public static final Duration MAX_PAUSE_TIMEOUT = Duration.ofMinutes(5);

  public DatabaseDoor {
    pauseTimeout = pauseTimeout == null ? Duration.ofSeconds(10) : pauseTimeout;
  }
}
