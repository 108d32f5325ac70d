package dev.cutover.workflow;

/** The runbook's phases, in order (DESIGN.md), plus the two ways a move ends that are not a phase. */
public enum Phase {
  PREFLIGHT,
  PREPARE,
  PRESYNC,
  CONFIRM,
  SETTLE,
  FREEZE,
  COPY,
  VERIFY,
  SWITCH,
  VERIFY_LIVE,
  REPORT,
  ROLLBACK,
  DONE
}
