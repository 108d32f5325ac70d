package dev.cutover.database;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The marker cutover writes as the comment of a target database it created. It is the proof that a
 * database may be dropped and recreated by a retry or a later attempt; a database without it is never
 * touched. Format: {@code cutover:app=<app>;move=<run id>;state=<empty|copied|live>}.
 */
public final class Markers {

  public static final String PREFIX = "cutover:";
  public static final String COPIED = "copied";
  public static final String LIVE = "live";
  /** Made empty by the move ahead of a copy (fenced, nothing in it), for that copy to take as it is. */
  public static final String EMPTY = "empty";

  private Markers() {}

  public static String of(String app, String moveId, String state) {
    return PREFIX + "app=" + app + ";move=" + moveId + ";state=" + state;
  }

  /**
   * The name a new target database is built under before it is renamed into place. Reserved for
   * cutover: a database by this name is always a half-built copy that may be dropped.
   */
  public static String buildingName(String database) {
    String suffix = "__cutover_building";
    // PostgreSQL truncates identifiers at 63 bytes; keep the suffix whole so the name stays recognisable.
    String base = database.length() + suffix.length() > 63 ? database.substring(0, 63 - suffix.length() - 9)
        + "_" + Integer.toHexString(database.hashCode()) : database;
    return base + suffix;
  }

  public static boolean isOurs(String marker, String app) {
    return app.equals(fields(marker).get("app"));
  }

  public static boolean isLive(String marker) {
    return LIVE.equals(fields(marker).get("state"));
  }

  public static Map<String, String> fields(String marker) {
    Map<String, String> out = new LinkedHashMap<>();
    if (marker == null || !marker.startsWith(PREFIX)) {
      return out;
    }
    for (String pair : marker.substring(PREFIX.length()).split(";")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(pair.substring(0, eq), pair.substring(eq + 1));
      }
    }
    return out;
  }
}
