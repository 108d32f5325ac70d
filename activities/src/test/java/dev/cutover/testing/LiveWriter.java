package dev.cutover.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An app that keeps writing to {@link LogicalGame}'s tables: inserts, updates (also of the keyless table,
 * whose identical rows only a full replica identity can tell apart) and deletes, one commit per
 * statement. Bounded in iterations and time; it stops when told, or when a fence ends its session.
 */
public final class LiveWriter implements AutoCloseable {

  private static final int MAX_ITERATIONS = 200_000;
  private static final Duration MAX_TIME = Duration.ofMinutes(3);

  private final AtomicLong commits = new AtomicLong();
  private final Thread thread;
  private volatile boolean stop;
  private volatile SQLException endedBy;

  private LiveWriter(LocalCluster cluster, String database) {
    thread = new Thread(() -> run(cluster, database), "live-writer-" + database);
    thread.setDaemon(true);
  }

  public static LiveWriter start(LocalCluster cluster, String database) {
    LiveWriter writer = new LiveWriter(cluster, database);
    writer.thread.start();
    return writer;
  }

  public long commits() {
    return commits.get();
  }

  /** The error that ended it (a fence ends its session), or null if it stopped by itself. */
  public SQLException endedBy() {
    return endedBy;
  }

  /** Waits until it has committed {@code more} statements beyond now; false if it stopped first. */
  public boolean awaitMore(long more, Duration timeout) throws InterruptedException {
    long goal = commits.get() + more;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (commits.get() < goal) {
      if (!thread.isAlive() || System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  /** Waits for the thread to end by itself (a fence ended its session). */
  public boolean awaitEnd(Duration timeout) throws InterruptedException {
    thread.join(timeout.toMillis());
    return !thread.isAlive();
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    thread.join(30_000);
  }

  private void run(LocalCluster cluster, String database) {
    long deadline = System.nanoTime() + MAX_TIME.toNanos();
    try (Connection c = cluster.connect(database); Statement s = c.createStatement()) {
      for (int i = 0; i < MAX_ITERATIONS && !stop && System.nanoTime() < deadline; i++) {
        s.execute("INSERT INTO game.players (email, points, bio) VALUES ('live" + i + "@x', " + i + ", 'live')");
        commits.incrementAndGet();
        s.execute("UPDATE game.players SET points = points + 1 WHERE id = 1 + (" + i + " * 7919) % 1000");
        commits.incrementAndGet();
        s.execute("INSERT INTO trades (player, note) VALUES (1 + " + i + " % 1000, 'live " + i + "')");
        commits.incrementAndGet();
        s.execute("DELETE FROM trades WHERE id = 1 + (" + i + " * 104729) % 5000");
        commits.incrementAndGet();
        s.execute("INSERT INTO game.events (at, what) VALUES (date '2026-01-01' + " + (i % 700) + ", 'live')");
        commits.incrementAndGet();
        s.execute("INSERT INTO \"Odd Schema\".\"Tickets\" DEFAULT VALUES");
        commits.incrementAndGet();
        if (i % 10 == 0) {
          s.execute("UPDATE audit_log SET at = at + interval '1 second'"
              + " WHERE ctid = (SELECT ctid FROM audit_log WHERE note = 'same' LIMIT 1)");
          s.execute("INSERT INTO audit_log VALUES ('live', '2026-06-11 17:00+00')");
          s.execute("DELETE FROM audit_log WHERE ctid = (SELECT ctid FROM audit_log WHERE note = 'live' LIMIT 1)");
          commits.addAndGet(3);
        }
        // Pacing, not synchronisation: leaves the two cores to the replication being tested.
        Thread.sleep(1);
      }
    } catch (SQLException e) {
      endedBy = e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
