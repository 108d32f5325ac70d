package dev.cutover.database;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * Which committed transactions a snapshot sees, from {@code pg_current_snapshot()}: those below its
 * {@code xmin}, and those below its {@code xmax} that were not in progress when it was taken. A change log
 * names a transaction by the low 32 bits of its id; {@link #test} widens it to the 64-bit id nearest the
 * snapshot's, which is exact for any transaction within two billion of it.
 */
record SeenBy(long xmin, long xmax, Set<Long> inProgress) implements IntPredicate {

  /** The snapshot of {@code c}'s transaction (REPEATABLE READ: the one every read in it uses). */
  static SeenBy of(Connection c) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_current_snapshot()::text")) {
      rs.next();
      return parse(rs.getString(1));
    }
  }

  /** {@code xmin:xmax:xip,xip,...}, as PostgreSQL prints a {@code pg_snapshot}. */
  static SeenBy parse(String text) {
    String[] parts = text.split(":", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException("not a snapshot: " + text);
    }
    Set<Long> running = new HashSet<>();
    if (!parts[2].isEmpty()) {
      for (String xid : parts[2].split(",")) {
        running.add(Long.parseLong(xid));
      }
    }
    return new SeenBy(Long.parseLong(parts[0]), Long.parseLong(parts[1]), Set.copyOf(running));
  }

  /** Whether this snapshot sees the commit of the transaction whose id ends in {@code xid}. */
  @Override
  public boolean test(int xid) {
    long full = xmax + (xid - (int) xmax);
    return full < xmin || full < xmax && !inProgress.contains(full);
  }
}
