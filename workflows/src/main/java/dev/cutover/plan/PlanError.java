package dev.cutover.plan;

/** One thing wrong with a plan file, located the way an editor wants it: file, line, YAML path. */
public record PlanError(String file, int line, String path, String message) {

  @Override
  public String toString() {
    String where = line > 0 ? file + ":" + line : file;
    return path == null || path.isEmpty() ? where + ": " + message : where + ": " + path + ": " + message;
  }
}
