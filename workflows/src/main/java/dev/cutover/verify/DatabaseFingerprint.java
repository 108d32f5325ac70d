package dev.cutover.verify;

import java.util.List;

/** Every selected table of one database, fingerprinted in one activity. */
public record DatabaseFingerprint(String box, List<TableFingerprint> tables, long bytesHashed, long millis) {

  public DatabaseFingerprint {
    tables = List.copyOf(tables);
  }
}
