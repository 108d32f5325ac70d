package dev.cutover.workflow;

import dev.cutover.plan.Plan;
import dev.cutover.verify.TableComparison;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

/**
 * What the Temporal web UI shows of a move besides its events, in Temporal's markdown: the summary and
 * details fixed when {@code cutover start} starts it, and the current details the workflow keeps up to date
 * ({@code Workflow.setCurrentDetails}). The activities' summaries are the steps' own words ({@link StepStubs}).
 */
public final class WebUi {

  /** Temporal's limit on a summary (the workflow's and an activity's): one line of at most 200 bytes. */
  static final int SUMMARY_BYTES = 200;
  /** Past this many tables the current details point at {@code cutover status}, keeping the query small. */
  static final int TABLES_SHOWN = 50;

  private WebUi() {}

  /** One line: what kind of run, of which app, from where to where, how the data moves. */
  public static String summary(CutoverRequest request) {
    Plan plan = request.plan();
    String kind = request.reverse() ? "roll back" : request.rehearsal() ? "rehearse moving" : "move";
    return oneLine(kind + " " + plan.app() + ": " + plan.source().name() + " -> " + plan.target().name()
        + " (" + strategy(request) + ")");
  }

  /**
   * {@code text} as a summary the server accepts: one line, cut to {@link #SUMMARY_BYTES} of UTF-8 with an
   * ellipsis (a step named after a long health URL).
   */
  static String oneLine(String text) {
    String line = text.replaceAll("\\s+", " ").strip();
    if (line.getBytes(StandardCharsets.UTF_8).length <= SUMMARY_BYTES) {
      return line;
    }
    String ellipsis = "…";
    int room = SUMMARY_BYTES - ellipsis.getBytes(StandardCharsets.UTF_8).length;
    int end = 0;
    int bytes = 0;
    while (end < line.length()) {
      int next = line.offsetByCodePoints(end, 1);
      bytes += line.substring(end, next).getBytes(StandardCharsets.UTF_8).length;
      if (bytes > room) {
        break;
      }
      end = next;
    }
    return line.substring(0, end) + ellipsis;
  }

  /** The fixed facts of the run, and the commands that act on it. */
  public static String details(CutoverRequest request) {
    Plan plan = request.plan();
    StringBuilder out = new StringBuilder();
    out.append("**app** ").append(plan.app()).append("  \n");
    out.append("**source** ").append(plan.source().name()).append("  \n");
    out.append("**target** ").append(plan.target().name()).append("  \n");
    out.append("**copy** ").append(strategy(request)).append("  \n");
    out.append("**front door** ").append(plan.frontDoor().type()).append("  \n");
    if (request.requestedBy() != null) {
      out.append("**started by** ").append(request.requestedBy()).append("  \n");
    }
    out.append("\n`cutover status ").append(plan.app()).append("` shows every step; `cutover confirm ")
        .append(plan.app()).append("` passes the gate, `cutover abort ").append(plan.app()).append("` stops it.");
    return out.toString();
  }

  /** Where the move stands: its phase, the step running (or the last one), and the fingerprints once compared. */
  static String currentDetails(CutoverStatus status) {
    StringBuilder out = new StringBuilder();
    out.append("**phase** ").append(status.phase());
    if (status.outcome() != null) {
      out.append(" — **").append(status.outcome()).append("**");
    }
    out.append("  \n");
    StepStatus step = shown(status.steps());
    if (step != null) {
      out.append(step.state() == StepStatus.State.RUNNING ? "**running** " : "**last step** ")
          .append(step.name());
      if (step.state() != StepStatus.State.RUNNING) {
        out.append(" (").append(step.state().name().toLowerCase()).append(')');
      }
      if (step.detail() != null) {
        out.append(" — ").append(step.detail());
      }
      out.append("  \n");
    }
    if (status.waitingForConfirm()) {
      out.append("**waiting for confirm**").append(status.stale() ? " (stale)" : "");
      if (status.estimatedBlackoutMillis() != null) {
        out.append("; estimated blackout ").append(status.estimatedBlackoutMillis()).append(" ms");
      }
      out.append("  \n");
    }
    if (status.frozen()) {
      // Rendered at each step, not each second: the start is what stays true, the elapsed time would not.
      out.append("**frozen since** ").append(Instant.ofEpochMilli(status.blackoutStartedAt()))
          .append(status.freezeBudgetMillis() == null ? "" : "; past its budget of " + status.freezeBudgetMillis()
              + " ms a copy or verify still running rolls the move back").append("  \n");
    }
    if (status.blackoutMillis() != null) {
      out.append("**blackout** ").append(status.blackoutMillis()).append(" ms");
      if (status.estimatedBlackoutMillis() != null) {
        out.append(" from the freeze to the flip (estimated before it: ").append(status.estimatedBlackoutMillis())
            .append(" ms from the source's last commit to the target's first)");
      }
      out.append("  \n");
    }
    if (status.failure() != null) {
      out.append("**stopping because** ").append(status.failure()).append("  \n");
    }
    if (!status.fingerprints().isEmpty()) {
      out.append('\n').append(fingerprints(status.fingerprints()));
    }
    return out.toString();
  }

  /** The fingerprint comparison as a markdown table, one row per table. */
  static String fingerprints(List<TableComparison> tables) {
    StringBuilder out = new StringBuilder("| table | source rows | target rows | result |\n|---|---:|---:|---|\n");
    for (TableComparison t : tables.subList(0, Math.min(tables.size(), TABLES_SHOWN))) {
      out.append("| ").append(t.table()).append(" | ").append(t.sourceRows()).append(" | ").append(t.targetRows())
          .append(" | ").append(t.matches() ? "match" : "DIFFERS: " + t.difference()).append(" |\n");
    }
    if (tables.size() > TABLES_SHOWN) {
      out.append("\n").append(tables.size() - TABLES_SHOWN).append(" more tables: see `cutover status`.\n");
    }
    long differing = tables.stream().filter(t -> !t.matches()).count();
    out.append('\n').append(differing == 0 ? "all " + tables.size() + " tables match"
        : differing + " of " + tables.size() + " tables differ").append('\n');
    return out.toString();
  }

  /** The innermost step running, else the last one recorded. */
  private static StepStatus shown(List<StepStatus> steps) {
    StepStatus running = Steps.running(steps);
    return running != null || steps.isEmpty() ? running : steps.get(steps.size() - 1);
  }

  /** A rollback copies with dump-restore whatever the plan says ({@link MoveRequest#logical}). */
  private static String strategy(CutoverRequest request) {
    return new MoveRequest(request.plan(), null, request.reverse()).logical() ? "logical" : "dump-restore";
  }
}
