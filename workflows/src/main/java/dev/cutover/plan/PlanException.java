package dev.cutover.plan;

import java.util.List;
import java.util.stream.Collectors;

/** Every error found in a plan file at once, so the operator fixes them in one pass. */
public class PlanException extends Exception {

  private final List<PlanError> errors;

  public PlanException(List<PlanError> errors) {
    super(errors.stream().map(PlanError::toString).collect(Collectors.joining("\n")));
    this.errors = List.copyOf(errors);
  }

  public List<PlanError> errors() {
    return errors;
  }
}
