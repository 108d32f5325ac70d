package dev.cutover.database;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The names of what cutover creates for logical replication, so that a retry or a cleanup finds it without
 * the workflow remembering anything: the copy's publication, subscription and slot, and each side's change log.
 */
final class ReplicationNames {

  private ReplicationNames() {}

  /**
   * Publication, subscription and slot name. Slot names allow lowercase letters, digits and '_' up to 63
   * bytes; app names are lowercase slugs with '-', so the mapping is one to one until it must be shortened,
   * and then a hash of the whole app name keeps it so.
   */
  static String copy(String app) {
    String name = "cutover_" + app.toLowerCase().replaceAll("[^a-z0-9_]", "_");
    if (name.length() <= 63) {
      return name;
    }
    byte[] hash = Digests.sha256().digest(app.getBytes(StandardCharsets.UTF_8));
    return name.substring(0, 54) + "_" + HexFormat.of().formatHex(hash, 0, 4);
  }

  /** Slot and publication name of one side's change log ({@code side}: "source" or "target"). */
  static String changeLog(String app, String side) {
    return copy(app + "-" + side + "-changes");
  }
}
