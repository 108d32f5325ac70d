package dev.cutover.realapps;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Users writing through the public address the whole time: a few clients, each with its own session,
 * taking turns at a steady total rate. A write the app acknowledged is kept for the lookup after the move;
 * any other answer is a failed request. A write answered after {@value #HELD_MILLIS} ms or more was held
 * at the front door (these apps answer a write in well under that when nothing holds them).
 */
final class Load implements AutoCloseable {

  static final long HELD_MILLIS = 1_500;

  /** {@code longestGapMillis}: the longest time between two acknowledgements, what the users saw of the move. */
  record Result(int sent, List<RealApp.Ack> acknowledged, int failed, int held, long slowestMillis,
      long longestGapMillis, List<String> failures) {}

  private final List<RealApp.Client> clients;
  private final long periodNanos;
  private final List<Thread> threads = new ArrayList<>();
  private final Queue<RealApp.Ack> acknowledged = new ConcurrentLinkedQueue<>();
  private final Queue<String> failures = new ConcurrentLinkedQueue<>();
  private final Queue<Long> answeredAt = new ConcurrentLinkedQueue<>();
  private final AtomicInteger sent = new AtomicInteger();
  private final AtomicInteger held = new AtomicInteger();
  private final AtomicInteger seq = new AtomicInteger();
  private volatile long slowest;
  private volatile boolean stopping;

  /** {@code perSecond} writes in all, spread over the clients. */
  Load(List<RealApp.Client> clients, double perSecond) {
    this.clients = List.copyOf(clients);
    this.periodNanos = (long) (1e9 * clients.size() / perSecond);
  }

  void start() {
    for (int i = 0; i < clients.size(); i++) {
      RealApp.Client client = clients.get(i);
      long offset = periodNanos * i / clients.size();
      Thread t = new Thread(() -> run(client, offset), "load-" + i);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  private void run(RealApp.Client client, long offsetNanos) {
    long next = System.nanoTime() + offsetNanos;
    while (!stopping) {
      long wait = next - System.nanoTime();
      if (wait > 0) {
        AppProcess.pause(wait / 1_000_000); // the pacing of a steady rate, not a synchronisation
        continue;
      }
      next = Math.max(next + periodNanos, System.nanoTime());
      int n = seq.incrementAndGet();
      sent.incrementAndGet();
      long start = System.nanoTime();
      long startedAt = System.currentTimeMillis();
      try {
        RealApp.Ack ack = client.write(n);
        long millis = (System.nanoTime() - start) / 1_000_000;
        acknowledged.add(ack);
        answeredAt.add(System.currentTimeMillis());
        slowest = Math.max(slowest, millis);
        if (millis >= HELD_MILLIS) {
          held.incrementAndGet();
        }
      } catch (Exception e) {
        failures.add("write " + n + " sent at " + startedAt + " failed after " + (System.nanoTime() - start) / 1_000_000 + " ms: "
            + e.getClass().getSimpleName() + " " + abbreviate(e.getMessage()));
      }
    }
  }

  int acknowledgedSoFar() {
    return acknowledged.size();
  }

  /** Stops sending and waits for every write under way to be answered. */
  Result stop() {
    stopping = true;
    for (Thread t : threads) {
      try {
        t.join(150_000);
        if (t.isAlive()) {
          failures.add(t.getName() + " was still waiting for an answer after 150 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    List<Long> times = answeredAt.stream().sorted().toList();
    long gap = 0;
    for (int i = 1; i < times.size(); i++) {
      gap = Math.max(gap, times.get(i) - times.get(i - 1));
    }
    return new Result(sent.get(), new ArrayList<>(acknowledged), failures.size(), held.get(), slowest, gap,
        failures.stream().limit(20).toList());
  }

  static String abbreviate(String text) {
    String flat = text == null ? "" : text.replaceAll("\\s+", " ").strip();
    return flat.length() <= 160 ? flat : flat.substring(0, 160) + "...";
  }

  @Override
  public void close() {
    stopping = true;
  }
}
