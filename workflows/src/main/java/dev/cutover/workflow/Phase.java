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
  /** A recovery run reading the journal of a move whose history was lost. */
  RECOVER,
  ROLLBACK,
  DONE
}
