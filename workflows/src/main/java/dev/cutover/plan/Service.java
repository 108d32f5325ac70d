package dev.cutover.plan;

import java.util.List;

/**
 * A service the move stops and starts, as two argument lists (never a shell string). Either may be empty:
 * a service with nothing to run is one the operator manages outside the move. The optional check proves
 * the effect of stop and start.
 *
 * <p>{@code bootsReadOnly} (an app's promise): it boots and answers its check against a database that refuses
 * writes. A logical move then starts the target's app before the freeze, against its fenced database, so its
 * boot is not part of the blackout: the switch only unfences the database and flips the front door.
 */
public record Service(List<String> stop, List<String> start, ServiceCheck check, Boolean bootsReadOnly) {

  public static final Service NONE = new Service(List.of(), List.of(), null);

  public Service {
    stop = stop == null ? List.of() : List.copyOf(stop);
    start = start == null ? List.of() : List.copyOf(start);
    bootsReadOnly = bootsReadOnly != null && bootsReadOnly;
  }

  public Service(List<String> stop, List<String> start, ServiceCheck check) {
    this(stop, start, check, null);
  }
}
