package dev.cutover.plan;

import java.util.List;

/**
 * A fleet file as read: its name, how many apps may be past their confirm gates at once, how the gates are
 * confirmed, and one plan per app (each the same plan a single move takes), in the file's order.
 */
public record Fleet(String name, int maxConcurrent, FleetConfirm confirm, List<Plan> plans) {

  /** Without the key, one app at a time past its gate: freezes never overlap on shared servers. */
  public static final int DEFAULT_MAX_CONCURRENT = 1;

  public Fleet {
    plans = List.copyOf(plans);
  }
}
