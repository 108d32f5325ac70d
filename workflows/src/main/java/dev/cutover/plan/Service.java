package dev.cutover.plan;

import java.util.List;

/**
 * A service the move stops and starts, as two argument lists (never a shell string). Either may be empty:
 * a service with nothing to run is one the operator manages outside the move. The optional check proves
 * the effect of stop and start.
 */
public record Service(List<String> stop, List<String> start, ServiceCheck check) {

  public static final Service NONE = new Service(List.of(), List.of(), null);

  public Service {
    stop = stop == null ? List.of() : List.copyOf(stop);
    start = start == null ? List.of() : List.copyOf(start);
  }
}
