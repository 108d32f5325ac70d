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
    return copy(source, target, false);
  }

  /**
   * With {@code keepOwners} ({@code copy.owner: keep}) each one gets the source's owner, as a restore with
   * owners would give it; otherwise it belongs to the mover, as after {@code pg_restore --no-owner}.
   */
  /**
   * The source's grants on one large object other than its owner's own, as GRANT statements (a restore with
   * owners makes the same ones).
   */
  private static List<String> grants(Connection source, long oid) throws SQLException {
    List<String> out = new ArrayList<>();
    try (PreparedStatement ps = source.prepareStatement("SELECT a.privilege_type,"
        + " CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END, a.is_grantable"
        + " FROM pg_largeobject_metadata m, aclexplode(m.lomacl) a WHERE m.oid = ?::oid AND a.grantee <> m.lomowner")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          // privilege_type is SELECT or UPDATE, from the server; the role came from quote_ident.
          out.add("GRANT " + rs.getString(1) + " ON LARGE OBJECT " + oid + " TO " + rs.getString(2)
              + (rs.getBoolean(3) ? " WITH GRANT OPTION" : ""));
        }
      }
    }
    return out;
  }

  static long copy(Connection source, Connection target, boolean keepOwners) throws SQLException {
    List<Long> oids = new ArrayList<>();
    List<String> owners = new ArrayList<>();
    try (Statement s = source.createStatement();
        ResultSet rs = s.executeQuery("SELECT oid::bigint, quote_ident(pg_get_userbyid(lomowner))"
            + " FROM pg_largeobject_metadata ORDER BY 1")) {
      while (rs.next()) {
        oids.add(rs.getLong(1));
        owners.add(rs.getString(2));
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
      for (int i = 0; i < oids.size(); i++) {
        long oid = oids.get(i);
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
        if (keepOwners) {
          try (Statement s = target.createStatement()) {
            // The oid is a number and the roles came from quote_ident.
            s.execute("ALTER LARGE OBJECT " + oid + " OWNER TO " + owners.get(i));
            for (String grant : grants(source, oid)) {
              s.execute(grant);
            }
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
