package dev.cutover.cli;

import dev.cutover.plan.FleetConfirm;
import dev.cutover.workflow.FleetStatus;

/** A fleet for people: one line per app (phase, gate, outcome, blackout, lost), then the totals. */
final class FleetView {

  private static final String LINE = "%-20s %-12s %-12s %-12s %10s %6s%n";

  private FleetView() {}

  static String render(FleetStatus s) {
    StringBuilder out = new StringBuilder();
    out.append(String.format("fleet %s: %d apps, at most %d past their gates at once, confirm %s%n", s.name(),
        s.apps().size(), s.maxConcurrent(), s.confirm() == FleetConfirm.EACH ? "each" : "batch"));
    if (s.confirmed() != null) {
      out.append("confirmed by ").append(s.confirmed().by()).append('\n');
    }
    if (s.aborted() != null) {
      out.append("aborted by ").append(s.aborted().by())
          .append(s.aborted().reason() == null ? "" : ": " + s.aborted().reason()).append('\n');
    }
    String waiting = waiting(s);
    if (waiting != null) {
      out.append(waiting).append('\n');
    }
    out.append('\n').append(String.format(LINE, "APP", "PHASE", "GATE", "OUTCOME", "BLACKOUT", "LOST"));
    for (FleetStatus.App app : s.apps()) {
      out.append(String.format(LINE, app.app(), text(app.phase()), app.gate().name().toLowerCase().replace('_', ' '),
          text(app.outcome()), app.blackoutMillis() == null ? "-" : app.blackoutMillis() + " ms",
          app.lost() == null ? "-" : app.lost()));
    }
    FleetStatus.Totals t = s.totals();
    out.append(String.format("%ntotals: %d of %d ended: %d completed, %d rolled back, %d aborted, %d failed, %d blocked;"
        + " %d past their gates now; lost %d%n", t.ended(), t.apps(), t.completed(), t.rolledBack(), t.aborted(),
        t.failed(), t.blocked(), t.pastGate(), t.lost()));
    return out.toString();
  }

  /** What the operator is expected to do next, when the fleet waits for them. */
  private static String waiting(FleetStatus s) {
    if (s.aborted() != null) {
      return null;
    }
    boolean atGate = s.apps().stream().anyMatch(a -> a.gate() == FleetStatus.Gate.AT_GATE);
    if (s.confirm() == FleetConfirm.BATCH && s.confirmed() == null && atGate && s.apps().stream()
        .allMatch(a -> a.gate() == FleetStatus.Gate.AT_GATE || a.gate() == FleetStatus.Gate.ENDED)) {
      return "WAITING FOR CONFIRM: `cutover confirm --fleet " + s.name() + "` or `cutover abort --fleet " + s.name() + "`";
    }
    if (s.confirm() == FleetConfirm.EACH && atGate) {
      return "WAITING FOR CONFIRM: `cutover confirm --fleet " + s.name() + " --each APP` for each app at its gate";
    }
    return null;
  }

  private static String text(Object value) {
    return value == null ? "-" : value.toString();
  }
}
