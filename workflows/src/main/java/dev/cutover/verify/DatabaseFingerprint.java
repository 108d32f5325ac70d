package dev.cutover.verify;

import java.util.List;

/**
 * Every selected table of one database, fingerprinted in one activity, and, in the same snapshot, the
 * database's other objects ({@link DatabaseObject}); {@code objects} is null when they were not read
 * (not asked for, or a fingerprint recorded before they were part of it).
 */
public record DatabaseFingerprint(
    String box, List<TableFingerprint> tables, long bytesHashed, long millis, List<DatabaseObject> objects) {

  public DatabaseFingerprint {
    tables = List.copyOf(tables);
    objects = objects == null ? null : List.copyOf(objects);
  }

  /** Rows only. */
  public DatabaseFingerprint(String box, List<TableFingerprint> tables, long bytesHashed, long millis) {
    this(box, tables, bytesHashed, millis, null);
  }
}
