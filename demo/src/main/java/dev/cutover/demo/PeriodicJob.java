package dev.cutover.demo;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A background job of one box (the odds freezer, the grader, the nightly standings writer), run every
 * {@code everyMillis} against that box's database on a fresh connection each time, as a cron job would.
 * A run that the database refuses (fenced, down) is counted and retried next time: jobs never crash.
 */
final class PeriodicJob implements Supervised {

  /** One run of the job, inside one transaction on its own connection; returns what to do once committed. */
  interface Work {
    Runnable run(Connection c) throws SQLException;
  }

  private final String name;
  private final String jdbcUrl;
  private final long everyMillis;
  private final Work work;
  private final Consumer<String> log;
  private final Object runLock = new Object();
  private final AtomicLong runs = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private ScheduledExecutorService scheduler;
  private ScheduledFuture<?> schedule;
  private volatile boolean active;

  PeriodicJob(String name, String jdbcUrl, long everyMillis, Work work, Consumer<String> log) {
    this.name = name;
    this.jdbcUrl = jdbcUrl;
    this.everyMillis = everyMillis;
    this.work = work;
    this.log = log;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public synchronized void start() {
    if (schedule != null) {
      return;
    }
    active = true;
    scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
    schedule = scheduler.scheduleWithFixedDelay(this::runOnce, 0, everyMillis, TimeUnit.MILLISECONDS);
  }

  /** Returns after the run in progress, if any, has finished: no write of this job follows a stop. */
  @Override
  public synchronized void stop() {
    if (schedule == null) {
      return;
    }
    schedule.cancel(false);
    scheduler.shutdown();
    synchronized (runLock) {
      active = false;
    }
    schedule = null;
    try {
      scheduler.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public synchronized boolean running() {
    return schedule != null;
  }

  long runs() {
    return runs.get();
  }

  long refused() {
    return refused.get();
  }

  private void runOnce() {
    synchronized (runLock) {
      if (!active) {
        return;
      }
      try (Connection c = DriverManager.getConnection(jdbcUrl, GameDatabase.USER, "")) {
        c.setAutoCommit(false);
        Runnable committed = work.run(c);
        c.commit();
        runs.incrementAndGet();
        if (committed != null) {
          committed.run();
        }
      } catch (SQLException e) {
        if (refused.incrementAndGet() == 1) {
          log.accept(name + ": the database refused a run (" + e.getSQLState() + "); retrying every run");
        }
      }
    }
  }
}
