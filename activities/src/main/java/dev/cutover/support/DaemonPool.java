package dev.cutover.support;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Worker threads for an activity's parallel database sessions. Daemons, so a pool an interrupted activity
 * could not shut down never keeps the worker's JVM alive; named, so a thread dump says what they do.
 */
public final class DaemonPool {

  private DaemonPool() {}

  public static ExecutorService of(int threads, String name) {
    return Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }
}
