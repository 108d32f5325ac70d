package dev.cutover.database;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.IntPredicate;

/**
 * Which rows changed in a database since a moment: a logical replication slot that decodes, with the
 * built-in {@code pgoutput} plugin, a publication of every table. Nothing is installed on the user's
 * tables (no triggers), and every change is seen whoever makes it: the app, a psql session, or on the
 * target the subscription applying the source's changes. Reading only peeks, so a retried read sees the
 * same changes.
 *
 * <p>The slot is created before the baseline fingerprint takes its snapshot, so every transaction the
 * snapshot does not see commits after the slot's consistent point, and the slot decodes it. Some changes
 * the snapshot does see are decoded too; re-checking a row that did not change costs a little time and
 * proves nothing wrong. The publication is created before the slot: decoding reads the catalog as of each
 * change, and a publication younger than the slot would not exist there.
 *
 * <p>A change names its table and key in the pgoutput protocol (PostgreSQL's "Logical Replication Message
 * Formats", protocol version 1): a Relation message describes a table's columns once, and Insert, Update
 * and Delete carry tuples of text values. Keys come out as their type's text, which the re-check casts back.
 */
final class ChangeLog {

  /** Past this many changed keys in one table, the table is re-read whole (cheaper than a huge key list). */
  static final int MAX_KEYS = 200_000;

  private ChangeLog() {}

  /** Why this server cannot record changes, or null if it can. */
  static String unsupported(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT current_setting('wal_level'),"
            + " (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),"
            + " current_setting('max_replication_slots')::int - (SELECT count(*) FROM pg_replication_slots)")) {
      rs.next();
      if (!"logical".equals(rs.getString(1))) {
        return "wal_level is " + rs.getString(1) + ", not logical";
      }
      if (!rs.getBoolean(2)) {
        return "the mover's role is not a superuser (a publication of every table needs one)";
      }
      if (rs.getInt(3) < 1) {
        return "no free replication slot (max_replication_slots is used up)";
      }
      return null;
    }
  }

  /**
   * Starts recording afresh: the publication if missing, then a new slot (an older one of this name is
   * dropped, since the baseline taken after this call starts from now). Returns the slot's start LSN.
   */
  static String start(Connection c, String name) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(true);
    try (Statement s = c.createStatement()) {
      if (!Jdbc.exists(c, "SELECT 1 FROM pg_publication WHERE pubname = ?", name)) {
        // Via the partition root, so a partitioned table's changes carry the name the fingerprint uses.
        s.execute("CREATE PUBLICATION " + Sql.ident(name) + " FOR ALL TABLES WITH (publish_via_partition_root = true)");
      }
      dropSlot(c, name);
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT lsn::text FROM pg_create_logical_replication_slot(?, 'pgoutput')")) {
        ps.setString(1, name);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getString(1);
        }
      }
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  static void drop(Connection c, String name) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(true);
    try (Statement s = c.createStatement()) {
      dropSlot(c, name);
      s.execute("DROP PUBLICATION IF EXISTS " + Sql.ident(name));
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  static boolean recording(Connection c, String name) throws SQLException {
    return Jdbc.exists(c, "SELECT 1 FROM pg_replication_slots WHERE slot_name = ? AND database = current_database()", name);
  }

  /**
   * Moves the slot on to {@code lsn} (the end of a commit an earlier read saw), so a read after this one
   * starts there. Never backwards: run again, or after a later move, it changes nothing. False when the
   * slot is gone.
   */
  static boolean advance(Connection c, String name, String lsn) throws SQLException {
    if (!recording(c, name)) {
      return false;
    }
    // PostgreSQL refuses to move a slot back, so only a slot still short of the position is moved.
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_replication_slot_advance(slot_name, ?::pg_lsn)"
        + " FROM pg_replication_slots WHERE slot_name = ? AND confirmed_flush_lsn < ?::pg_lsn")) {
      ps.setString(1, lsn);
      ps.setString(2, name);
      ps.setString(3, lsn);
      ps.execute();
    }
    return true;
  }

  private static void dropSlot(Connection c, String name) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, name);
      ps.execute();
    }
  }

  /**
   * What changed, per table ({@code schema.name}): the keys of changed rows, or the whole table when a
   * key cannot be told (truncated, no usable key in the change, too many keys). {@code keyColumns} gives a
   * table's primary-key columns, or an empty list for none.
   */
  record Changes(Map<String, Set<List<String>>> keys, Map<String, String> whole, long changes, long bytes,
      Map<String, Set<List<String>>> unseen, String lastCommitEnd) {

    Set<List<String>> keysOf(String table) {
      return keys.getOrDefault(table, Set.of());
    }

    /** Keys changed by a transaction the reader's snapshot does not see (only when read with one). */
    Set<List<String>> unseenOf(String table) {
      return unseen.getOrDefault(table, Set.of());
    }
  }

  /** Every change recorded so far (to the end of the WAL at the time of the call). */
  static Changes read(Connection c, String name, Function<String, List<String>> keyColumns) throws SQLException {
    return read(c, name, keyColumns, null);
  }

  /**
   * As {@link #read}, and with {@code seen} (a transaction id, as the change log's 32 bits, to whether a
   * snapshot sees that transaction's commit), the keys of changes that snapshot does not see, apart.
   */
  static Changes read(Connection c, String name, Function<String, List<String>> keyColumns, IntPredicate seen)
      throws SQLException {
    Decoder decoder = new Decoder(keyColumns, seen);
    boolean autoCommit = c.getAutoCommit();
    // A cursor (fetch size) needs a transaction; the changes then stream instead of filling memory.
    c.setAutoCommit(false);
    try (PreparedStatement ps = c.prepareStatement("SELECT data FROM pg_logical_slot_peek_binary_changes(?, NULL, NULL,"
        + " 'proto_version', '1', 'publication_names', ?)")) {
      ps.setFetchSize(10_000);
      ps.setString(1, name);
      ps.setString(2, Sql.ident(name));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          decoder.message(rs.getBytes(1));
        }
      }
      c.commit();
    } finally {
      c.setAutoCommit(autoCommit);
    }
    return decoder.changes();
  }

  /** Decodes pgoutput protocol-1 messages into changed keys. */
  static final class Decoder {
    private final Function<String, List<String>> keyColumns;
    private final IntPredicate seen;
    private final Map<Integer, Relation> relations = new HashMap<>();
    private final Map<String, Set<List<String>>> keys = new TreeMap<>();
    private final Map<String, Set<List<String>>> unseen = new TreeMap<>();
    private final Map<String, String> whole = new TreeMap<>();
    private long changes;
    private long bytes;
    /** Whether the snapshot sees the transaction being decoded (true without a snapshot). */
    private boolean inSeen = true;
    private String lastCommitEnd;

    Decoder(Function<String, List<String>> keyColumns) {
      this(keyColumns, null);
    }

    Decoder(Function<String, List<String>> keyColumns, IntPredicate seen) {
      this.keyColumns = keyColumns;
      this.seen = seen;
    }

    /** A table as a Relation message described it, with where its key columns sit in a tuple. */
    private record Relation(String table, int[] keyPositions, String unusable) {}

    void message(byte[] data) {
      bytes += data.length;
      ByteBuffer b = ByteBuffer.wrap(data);
      switch (b.get()) {
        case 'R' -> relation(b);
        case 'I' -> {
          Relation r = relations.get(b.getInt());
          b.get(); // 'N'
          changed(r, tuple(b));
        }
        case 'U' -> {
          Relation r = relations.get(b.getInt());
          byte kind = b.get();
          if (kind == 'K' || kind == 'O') {
            // The key changed (or the identity is the full row): the old key's row is gone, so it counts too.
            changed(r, tuple(b));
            b.get(); // 'N'
          }
          changed(r, tuple(b));
        }
        case 'D' -> {
          Relation r = relations.get(b.getInt());
          b.get(); // 'K' or 'O'
          changed(r, tuple(b));
        }
        case 'T' -> {
          int count = b.getInt();
          b.get(); // options
          for (int i = 0; i < count; i++) {
            Relation r = relations.get(b.getInt());
            changes++;
            wholeTable(r, "truncated");
          }
        }
        case 'B' -> {
          b.getLong(); // the commit's LSN
          b.getLong(); // its time
          int xid = b.getInt();
          inSeen = seen == null || seen.test(xid);
        }
        case 'C' -> {
          b.get(); // flags
          b.getLong(); // the commit's LSN
          lastCommitEnd = lsn(b.getLong());
          inSeen = true;
        }
        default -> {
          // Origin, Type and Message carry no rows.
        }
      }
    }

    private void relation(ByteBuffer b) {
      int id = b.getInt();
      String schema = cstring(b);
      String table = cstring(b);
      b.get(); // replica identity setting
      int columns = Short.toUnsignedInt(b.getShort());
      Map<String, Integer> positions = new HashMap<>();
      for (int i = 0; i < columns; i++) {
        b.get(); // flags
        positions.put(cstring(b), i);
        b.getInt(); // type oid
        b.getInt(); // type modifier
      }
      String name = (schema.isEmpty() ? "pg_catalog" : schema) + "." + table;
      List<String> key = keyColumns.apply(name);
      String unusable = null;
      int[] keyPositions = new int[key.size()];
      if (key.isEmpty()) {
        unusable = "no primary key";
      }
      for (int i = 0; i < key.size() && unusable == null; i++) {
        Integer at = positions.get(key.get(i));
        if (at == null) {
          unusable = "key column " + key.get(i) + " is not in its changes";
        } else {
          keyPositions[i] = at;
        }
      }
      relations.put(id, new Relation(name, keyPositions, unusable));
    }

    /** The text of each column, null for NULL, and {@code UNCHANGED} for an unchanged TOASTed value. */
    private static List<String> tuple(ByteBuffer b) {
      int columns = Short.toUnsignedInt(b.getShort());
      List<String> values = new ArrayList<>(columns);
      for (int i = 0; i < columns; i++) {
        byte kind = b.get();
        if (kind == 't') {
          byte[] text = new byte[b.getInt()];
          b.get(text);
          values.add(new String(text, StandardCharsets.UTF_8));
        } else {
          values.add(kind == 'u' ? UNCHANGED : null);
        }
      }
      return values;
    }

    /** Compared by identity: a distinct instance no column's text can be. */
    @SuppressWarnings("StringOperationCanBeSimplified")
    private static final String UNCHANGED = new String("unchanged TOAST value");

    private void changed(Relation r, List<String> tuple) {
      changes++;
      if (r == null) {
        // pgoutput always describes a table before its first change; this cannot happen unless the
        // stream is corrupt, and then nothing read is to be trusted.
        throw new IllegalStateException("a change of an undescribed table in the change log");
      }
      if (whole.containsKey(r.table())) {
        return;
      }
      if (r.unusable() != null) {
        wholeTable(r, r.unusable());
        return;
      }
      List<String> key = new ArrayList<>(r.keyPositions().length);
      for (int at : r.keyPositions()) {
        String value = at < tuple.size() ? tuple.get(at) : null;
        // A key column the change does not carry (identity on other columns, an unchanged TOASTed key).
        if (value == null || value == UNCHANGED) {
          wholeTable(r, "a change without its key");
          return;
        }
        key.add(value);
      }
      Set<List<String>> set = keys.computeIfAbsent(r.table(), t -> new HashSet<>());
      set.add(key);
      if (!inSeen) {
        unseen.computeIfAbsent(r.table(), t -> new HashSet<>()).add(key);
      }
      if (set.size() > MAX_KEYS) {
        wholeTable(r, "more than " + MAX_KEYS + " changed keys");
      }
    }

    private void wholeTable(Relation r, String why) {
      if (r == null) {
        throw new IllegalStateException("a change of an undescribed table in the change log");
      }
      whole.putIfAbsent(r.table(), why);
      keys.remove(r.table());
      unseen.remove(r.table());
    }

    /** {@code 16/B374D848}: how PostgreSQL prints an LSN. */
    static String lsn(long value) {
      return Long.toHexString(value >>> 32).toUpperCase() + "/" + Long.toHexString(value & 0xFFFFFFFFL).toUpperCase();
    }

    private static String cstring(ByteBuffer b) {
      int start = b.position();
      while (b.get() != 0) {
        // to the terminating zero
      }
      return new String(b.array(), start, b.position() - start - 1, StandardCharsets.UTF_8);
    }

    Changes changes() {
      Map<String, Set<List<String>>> out = new TreeMap<>();
      keys.forEach((t, k) -> out.put(t, Set.copyOf(k)));
      Map<String, Set<List<String>>> notSeen = new TreeMap<>();
      unseen.forEach((t, k) -> notSeen.put(t, Set.copyOf(k)));
      return new Changes(out, Map.copyOf(whole), changes, bytes, notSeen, lastCommitEnd);
    }
  }
}
