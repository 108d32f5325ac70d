package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.database.CopyActivities.CopyRequest;
import dev.cutover.plan.Copy;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.SharedClusters;
import io.temporal.activity.ActivityOptions;
import io.temporal.testing.TestActivityEnvironment;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A streamed copy whose pg_dump stalls (here on a lock another session holds) sends no progress, yet it must
 * keep heartbeating and, once the workflow cancels it (the freeze's budget ran out), kill its tools at once
 * rather than leave a dump running beside the rollback.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class CopyCancellationTest {

  @RegisterExtension static final SharedClusters clusters = new SharedClusters();

  @Test
  void aDumpStalledOnALockIsKilledWhenTheCopyIsCancelled() throws Exception {
    LocalCluster home = clusters.home();
    LocalCluster arm = clusters.arm();
    home.createDatabase("stalled");
    try (Connection c = home.connect("stalled"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE scores (id int PRIMARY KEY, points int)");
      s.execute("INSERT INTO scores SELECT g, g FROM generate_series(1, 100) g");
    }
    TestActivityEnvironment env = TestActivityEnvironment.newInstance();
    try (Connection locker = home.connect("stalled")) {
      env.registerActivitiesImplementations(new CopyActivitiesImpl());
      CopyActivities copies = env.newActivityStub(CopyActivities.class, ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(2)).setHeartbeatTimeout(Duration.ofSeconds(15)).build());
      locker.setAutoCommit(false);
      try (Statement s = locker.createStatement()) {
        s.execute("LOCK TABLE scores IN ACCESS EXCLUSIVE MODE");
      }
      CompletableFuture<Throwable> copy = CompletableFuture.supplyAsync(() -> {
        try {
          copies.copy(new CopyRequest("app", "move-stalled", "home", home.database("stalled"), "arm",
              arm.database("stalled"), new Copy(Copy.Strategy.DUMP_RESTORE, 1, Copy.Owner.TARGET_USER, false)));
          return null;
        } catch (RuntimeException e) {
          return e;
        }
      });
      awaitSessionsWaitingOnALock(home, 1);
      long cancelledAt = System.nanoTime();
      env.requestCancelActivity();

      Throwable ended = copy.get(20, TimeUnit.SECONDS);
      long millis = (System.nanoTime() - cancelledAt) / 1_000_000;
      assertNotNull(ended, "a cancelled copy does not report success");
      assertTrue(causes(ended).contains("Cancel"), "ended as cancelled: " + causes(ended));
      assertTrue(millis < 10_000, "the tools were killed at the next heartbeat, not left running: " + millis + " ms");
      assertEquals(0, dumpsOf("stalled"), "no pg_dump of the database is left running beside the rollback");
      // The server notices its client is gone only when it next talks to it: once the lock frees.
      locker.rollback();
      awaitSessionsWaitingOnALock(home, 0);
      awaitNoMoverSessions(home);
    } finally {
      env.close();
    }
  }

  private static long dumpsOf(String database) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().command().orElse("").endsWith("pg_dump"))
        .filter(p -> String.join(" ", p.info().arguments().orElse(new String[0])).contains(database))
        .count();
  }

  private static void awaitNoMoverSessions(LocalCluster home) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (true) {
      try (Connection c = home.connect("postgres"); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = 'stalled'"
              + " AND application_name = 'cutover'")) {
        rs.next();
        if (rs.getInt(1) == 0) {
          return;
        }
      }
      assertTrue(System.currentTimeMillis() < deadline, "the killed pg_dump's session never ended");
      Thread.sleep(20);
    }
  }

  private static String causes(Throwable t) {
    StringBuilder names = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      names.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage()).append(" / ");
    }
    return names.toString();
  }

  private static void awaitSessionsWaitingOnALock(LocalCluster home, int expected) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (sessionsWaitingOnALock(home) != expected) {
      assertTrue(System.currentTimeMillis() < deadline, "sessions waiting on a lock never became " + expected);
      Thread.sleep(20);
    }
  }

  private static int sessionsWaitingOnALock(LocalCluster home) throws SQLException {
    try (Connection c = home.connect("postgres"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = 'stalled'"
            + " AND wait_event_type = 'Lock'")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
