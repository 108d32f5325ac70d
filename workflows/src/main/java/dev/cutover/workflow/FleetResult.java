package dev.cutover.workflow;

import java.util.List;

/** How a fleet ended: every app's outcome, and the fleet's status at that moment. */
public record FleetResult(String name, String summary, List<AppOutcome> apps, FleetStatus status) {

  public FleetResult {
    apps = List.copyOf(apps);
  }

  /** One app's end, as its move reported it. */
  public record AppOutcome(String app, Outcome outcome, String summary, Long blackoutMillis, Long lost) {}
}
