package dev.cutover.cli;

import dev.cutover.preflight.Finding;
import dev.cutover.verify.TableComparison;
import dev.cutover.verify.ObjectDifference;
import dev.cutover.workflow.CutoverStatus;
import dev.cutover.workflow.StepStatus;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Renders a move's status for people: the steps, the findings, and the story's checksum table. */
public final class StatusView {

  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  private StatusView() {}

  /**
   * The estimate made before the freeze and, once the freeze is over, the blackout the workflow measured
   * beside it. They are not quite the same span, so no percentage: the estimate is of the source's last
   * commit to the target's first (what users feel, which the bench reads from commit timestamps); the
   * workflow sees the freeze from its first step to the flip, which adds the hold and the stops before the
   * last commit and the flip after the first (docs/benchmarks.md compares like with like).
   */
  static String blackout(Long estimated, Long measured) {
    if (measured == null) {
      return estimated == null ? "" : "estimated blackout: " + estimated + " ms (the source's last commit to the"
          + " target's first; made before the freeze from the rehearsal's copy and fingerprints, or the catch-up"
          + " and re-check, and the freeze's other steps at what this move's commands cost)\n";
    }
    return "blackout: " + measured + " ms, from the freeze to the flip" + (estimated == null ? ""
        : " (estimated before the freeze: " + estimated + " ms, from the source's last commit to the target's first)")
        + "\n";
  }

  /**
   * While the freeze runs ({@link CutoverStatus#frozen}): how long so far, against the budget past which the
   * move rolls back, so whoever watches knows how close it is before it happens.
   */
  static String frozen(long startedAt, Long budgetMillis, long now) {
    long elapsed = Math.max(0, now - startedAt);
    return "frozen for " + elapsed + " ms" + (budgetMillis == null
        ? " (no budget: set freeze.maxBlackout to roll back a copy that runs long)"
        : " of its " + budgetMillis + " ms budget (a copy or verify still running past it rolls the move back)")
        + "\n";
  }

  public static String render(CutoverStatus s) {
    StringBuilder out = new StringBuilder();
    out.append("move of ").append(s.app()).append(": ").append(s.source()).append(" -> ").append(s.target());
    out.append("   phase ").append(s.phase());
    if (s.outcome() != null) {
      out.append("   outcome ").append(s.outcome());
    }
    if (s.rehearsal()) {
      out.append("   (rehearsal)");
    }
    out.append('\n');
    if (s.waitingForConfirm()) {
      out.append("WAITING FOR CONFIRM").append(s.stale() ? " (STALE: waited longer than confirm.staleAfter)" : "")
          .append(": `cutover confirm ").append(s.app()).append("` or `cutover abort ").append(s.app()).append("`\n");
    }
    out.append(blackout(s.estimatedBlackoutMillis(), s.blackoutMillis()));
    if (s.frozen()) {
      out.append(frozen(s.blackoutStartedAt(), s.freezeBudgetMillis(), System.currentTimeMillis()));
    }
    if (s.confirmed() != null) {
      out.append("confirmed by ").append(s.confirmed().by()).append(" at ").append(clock(s.confirmed().at())).append('\n');
    }
    if (s.aborted() != null) {
      out.append("aborted by ").append(s.aborted().by()).append(" at ").append(clock(s.aborted().at()))
          .append(s.aborted().reason() == null ? "" : ": " + s.aborted().reason()).append('\n');
    }
    if (s.failure() != null) {
      out.append("stopped because: ").append(s.failure()).append('\n');
    }
    out.append('\n').append(steps(s.steps()));
    List<Finding> notable = s.findings().stream().filter(f -> f.severity() != Finding.Severity.OK).toList();
    if (!notable.isEmpty()) {
      out.append("\npreflight findings:\n");
      for (Finding f : notable) {
        out.append("  ").append(f.severity()).append("  ").append(f.check()).append(": ").append(f.message());
        if (f.fix() != null) {
          out.append("\n           fix: ").append(f.fix());
        }
        out.append('\n');
      }
    }
    if (!s.fingerprints().isEmpty()) {
      out.append('\n').append(fingerprints(s.fingerprints()));
    }
    for (var d : s.differences()) {
      out.append("differing keys in ").append(display(d.table())).append(": on ").append(s.source()).append(' ')
          .append(d.sourceKeys()).append(", on ").append(s.target()).append(' ').append(d.targetKeys())
          .append(d.truncated() ? " (more not shown)" : "").append('\n');
    }
    out.append(objects(s.objectDifferences()));
    return out.toString();
  }

  /** One line per object that differs: "differs: trigger t on public.film: missing on arm". */
  static String objects(List<ObjectDifference> differences) {
    StringBuilder out = new StringBuilder();
    for (ObjectDifference d : differences) {
      out.append("differs: ").append(d.describe()).append('\n');
    }
    return out.toString();
  }

  /** Activities in flight: attempts beyond the first, their last failure, and progress from heartbeats. */
  static String pending(List<Moves.PendingActivity> pending) {
    StringBuilder out = new StringBuilder();
    for (Moves.PendingActivity a : pending) {
      out.append("in flight: ").append(a.activity()).append(", attempt ").append(a.attempt());
      if (a.heartbeat() != null) {
        out.append(", progress ").append(a.heartbeat());
      }
      if (a.lastFailure() != null) {
        out.append(", last failure: ").append(a.lastFailure());
      }
      out.append('\n');
    }
    return out.toString();
  }

  public static String steps(List<StepStatus> steps) {
    StringBuilder out = new StringBuilder();
    out.append(String.format("%-12s %-8s %-9s %8s  %s%n", "PHASE", "STATE", "STARTED", "MS", "STEP"));
    for (StepStatus step : steps) {
      out.append(String.format("%-12s %-8s %-9s %8s  %s%s%n",
          step.phase(), step.state(), clockShort(step.startedAt()),
          step.durationMillis() == null ? "" : step.durationMillis(),
          step.name(), step.detail() == null ? "" : " — " + step.detail()));
    }
    return out.toString();
  }

  /** The checksum table the story printed by hand, for every table. */
  public static String fingerprints(List<TableComparison> tables) {
    StringBuilder out = new StringBuilder();
    int width = tables.stream().mapToInt(t -> display(t.table()).length()).max().orElse(5);
    out.append(String.format("%-" + width + "s %10s %10s  %-16s %-16s %s%n", "TABLE", "SOURCE", "TARGET",
        "SOURCE HASH", "TARGET HASH", "RESULT"));
    for (TableComparison t : tables) {
      out.append(String.format("%-" + width + "s %10s %10s  %-16s %-16s %s%n",
          display(t.table()), t.sourceRows(), t.targetRows(), prefix(t.sourceHash()), prefix(t.targetHash()),
          t.matches() ? "match" : "DIFFERS: " + t.difference()));
      if (t.checked() != null) {
        out.append("  ").append(t.checked()).append('\n');
      }
      if (!t.sourceSums().isEmpty()) {
        out.append("  sums: ").append(sums(t.sourceSums())).append("  ==  ").append(sums(t.targetSums())).append('\n');
      }
    }
    boolean all = tables.stream().allMatch(TableComparison::matches);
    out.append(all ? "all " + tables.size() + " tables match\n" : "FINGERPRINTS DIFFER\n");
    return out.toString();
  }

  private static String sums(Map<String, String> sums) {
    return sums.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> "sum(" + e.getKey() + ")=" + e.getValue()).collect(Collectors.joining(" "));
  }

  private static String display(String table) {
    return table.startsWith("public.") ? table.substring("public.".length()) : table;
  }

  private static String prefix(String hash) {
    return hash == null ? "-" : hash.substring(0, Math.min(16, hash.length()));
  }

  private static String clock(long epochMillis) {
    return CLOCK.format(Instant.ofEpochMilli(epochMillis)) + " UTC";
  }

  private static String clockShort(long epochMillis) {
    return DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC).format(Instant.ofEpochMilli(epochMillis));
  }
}
