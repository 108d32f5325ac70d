package dev.cutover.plan;

/**
 * Reads the plan files a fleet file lists. The parser opens no files (this module does no I/O): the command
 * line hands it one of these, which resolves each path against the fleet file's folder.
 */
@FunctionalInterface
public interface PlanSource {

  /**
   * @param path as written in the fleet file
   * @throws Unreadable with the reason, e.g. "no such plan file", said after the path
   */
  Text read(String path) throws Unreadable;

  /** {@code fileName} is how the plan's own errors name it (the path resolved against the fleet file). */
  record Text(String fileName, String yaml) {}

  /** A listed plan file that cannot be read; the message is the reason alone, the fleet error adds where. */
  final class Unreadable extends Exception {
    public Unreadable(String reason) {
      super(reason);
    }
  }
}
