package dev.cutover.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** Collects every problem in one pass, so the operator sees them all at once. */
final class Errors {

  private final String file;
  private final List<PlanError> found = new ArrayList<>();

  Errors(String file) {
    this.file = file;
  }

  void add(int line, YamlPath path, String message) {
    found.add(new PlanError(file, line, path.text(), message));
  }

  int count() {
    return found.size();
  }

  /** In file order: checks across keys run after the keys themselves, but the operator reads top down. */
  List<PlanError> list() {
    return found.stream().sorted(Comparator.comparingInt(PlanError::line)).toList();
  }
}
