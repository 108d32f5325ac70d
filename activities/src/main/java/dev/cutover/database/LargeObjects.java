package dev.cutover.database;

import dev.cutover.support.Heartbeats;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Large objects are not replicated: each is recreated under its own oid (tables refer to it by oid)
 * and copied in chunks, so memory stays bounded whatever their size.
 */
final class LargeObjects {

  private static final int LARGE_OBJECT_CHUNK = 1 << 20;

  private LargeObjects() {}

  static long copy(Connection source, Connection target) throws SQLException {
    List<Long> oids = new ArrayList<>();
    try (Statement s = source.createStatement();
        ResultSet rs = s.executeQuery("SELECT oid::bigint FROM pg_largeobject_metadata ORDER BY 1")) {
      while (rs.next()) {
        oids.add(rs.getLong(1));
      }
    }
    if (oids.isEmpty()) {
      return 0;
    }
    boolean autoCommit = target.getAutoCommit();
    target.setAutoCommit(false);
    try (PreparedStatement read = source.prepareStatement("SELECT lo_get(?::oid, ?, ?)");
        PreparedStatement drop = target.prepareStatement(
            "SELECT lo_unlink(oid) FROM pg_largeobject_metadata WHERE oid = ?::oid");
        PreparedStatement create = target.prepareStatement("SELECT lo_create(?::oid)");
        PreparedStatement write = target.prepareStatement("SELECT lo_put(?::oid, ?, ?)")) {
      for (long oid : oids) {
        drop.setLong(1, oid);
        drop.execute();
        create.setLong(1, oid);
        create.execute();
        for (long offset = 0; ; offset += LARGE_OBJECT_CHUNK) {
          read.setLong(1, oid);
          read.setLong(2, offset);
          read.setInt(3, LARGE_OBJECT_CHUNK);
          byte[] chunk;
          try (ResultSet rs = read.executeQuery()) {
            rs.next();
            chunk = rs.getBytes(1);
          }
          if (chunk.length > 0) {
            write.setLong(1, oid);
            write.setLong(2, offset);
            write.setBytes(3, chunk);
            write.execute();
          }
          if (chunk.length < LARGE_OBJECT_CHUNK) {
            break;
          }
        }
        target.commit();
        Heartbeats.send(Map.of("phase", "large objects", "copied", oid));
      }
    } catch (SQLException e) {
      target.rollback();
      throw e;
    } finally {
      target.setAutoCommit(autoCommit);
    }
    return oids.size();
  }
}
