package dev.cutover.demo;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client that bypasses the app and that the plan does not stop: an admin script writing straight into
 * the database all the time, through PgBouncer (the database door). Each transaction inserts one row with
 * its own id and reads back which server took it; a commit that answered is acknowledged, and after the
 * move every acknowledged id is looked up on the live box. A failed transaction (an error, a dropped
 * connection) is counted and the writer reconnects and goes on, as a real script under a supervisor would.
 */
public final class DoorWriter implements AutoCloseable {

  /** A transaction that waited this long or more was held by the door. */
  public static final long HELD_MILLIS = 500;
  private static final long PAUSE_MILLIS = 20;

  /**
   * @param transactions commits that answered (acknowledged)
   * @param failed transactions that raised an error or lost their connection
   * @param held acknowledged after waiting {@value #HELD_MILLIS} ms or more
   * @param byBox acknowledged commits per box whose PostgreSQL took them (told apart by its port)
   * @param found acknowledged ids present on the live box at the end
   * @param lost acknowledged but absent: must be 0
   */
  public record Result(int transactions, int failed, int held, long slowestMillis, Map<String, Integer> byBox,
      int found, int lost, List<String> failureSample) {}

  private final String url;
  private final String user;
  private final Thread thread;
  private final Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
  private final Map<Integer, String> boxes;
  private final Map<String, Integer> byBox = new ConcurrentHashMap<>();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicInteger held = new AtomicInteger();
  private final AtomicLong slowest = new AtomicLong();
  private final List<String> failures = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean stopping;

  /** {@code boxes}: each box's PostgreSQL port, to name the box that took each commit. */
  public DoorWriter(String url, String user, Map<Integer, String> boxes) {
    this.url = url;
    this.user = user;
    this.boxes = Map.copyOf(boxes);
    this.thread = new Thread(this::loop, "door-writer");
    thread.setDaemon(true);
  }

  /** The writer's table; it is part of the game's data, so it moves and is verified like the rest. */
  public static void createTable(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TABLE admin_writes (id bigint PRIMARY KEY, written_at timestamptz NOT NULL DEFAULT now())");
    }
  }

  public DoorWriter start() {
    thread.start();
    return this;
  }

  public int acknowledgedSoFar() {
    return acknowledged.size();
  }

  private void loop() {
    long next = 1;
    Connection c = null;
    while (!stopping) {
      long started = System.nanoTime();
      try {
        if (c == null) {
          c = DriverManager.getConnection(url, user, "");
        }
        int port = write(c, next);
        long millis = (System.nanoTime() - started) / 1_000_000;
        acknowledged.add(next);
        byBox.merge(boxes.getOrDefault(port, "port " + port), 1, Integer::sum);
        slowest.accumulateAndGet(millis, Math::max);
        if (millis >= HELD_MILLIS) {
          held.incrementAndGet();
        }
      } catch (SQLException e) {
        failed.incrementAndGet();
        if (failures.size() < 10) {
          failures.add(e.getSQLState() + " " + e.getMessage());
        }
        close(c);
        c = null;
      }
      next++;
      sleep(PAUSE_MILLIS);
    }
    close(c);
  }

  /** One transaction: the row and the port of the server that committed it, in one round trip each. */
  private static int write(Connection c, long id) throws SQLException {
    try (PreparedStatement s = c.prepareStatement(
        "INSERT INTO admin_writes (id) VALUES (?) RETURNING current_setting('port')::int")) {
      s.setLong(1, id);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  /** Stops writing (the transaction in flight is awaited) and looks every acknowledged id up on {@code live}. */
  public Result stop(Connection live) throws SQLException {
    close();
    List<Long> ids = new ArrayList<>(acknowledged);
    Set<Long> present = new HashSet<>();
    try (PreparedStatement s = live.prepareStatement("SELECT id FROM admin_writes WHERE id = ANY(?)")) {
      Array array = live.createArrayOf("bigint", ids.toArray());
      s.setArray(1, array);
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          present.add(rs.getLong(1));
        }
      }
    }
    return new Result(ids.size(), failed.get(), held.get(), slowest.get(), Map.copyOf(byBox), present.size(),
        ids.size() - present.size(), List.copyOf(failures));
  }

  @Override
  public void close() {
    stopping = true;
    try {
      thread.join(30_000); // a transaction held by the door is awaited, a while
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void close(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // A connection the door dropped is gone already.
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
