package dev.cutover.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

/**
 * The rule everything obeys, checked from the outside: every {@value #EVERY_MILLIS} ms it asks each box
 * whether it accepts writes right now, and any sample where more than one does is a violation. A box
 * accepts writes when its database takes a write from a session that is not the mover's, app up or not
 * (see {@link DemoWorld#acceptsWrites}).
 */
public final class OneWriterMonitor implements AutoCloseable {

  static final long EVERY_MILLIS = 50;

  /** One sample: which boxes accepted writes, at what wall-clock time. */
  public record Sample(long atMillis, List<String> writers) {}

  public record Result(int samples, List<Sample> violations, Map<String, Integer> samplesAsWriter) {}

  private final List<String> boxes;
  private final Predicate<String> acceptsWrites;
  private final Queue<Sample> samples = new ConcurrentLinkedQueue<>();
  private final Thread thread;
  private volatile boolean stopping;

  public OneWriterMonitor(List<String> boxes, Predicate<String> acceptsWrites) {
    this.boxes = List.copyOf(boxes);
    this.acceptsWrites = acceptsWrites;
    this.thread = new Thread(this::loop, "one-writer-monitor");
    thread.setDaemon(true);
  }

  public OneWriterMonitor start() {
    thread.start();
    return this;
  }

  private void loop() {
    while (!stopping) {
      long at = System.currentTimeMillis();
      List<String> writers = new ArrayList<>();
      for (String box : boxes) {
        if (acceptsWrites.test(box)) {
          writers.add(box);
        }
      }
      samples.add(new Sample(at, writers));
      long next = at + EVERY_MILLIS - System.currentTimeMillis();
      if (next > 0) {
        try {
          Thread.sleep(next); // the sampling period, not a synchronisation
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  public Result stop() {
    stopping = true;
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return result();
  }

  public Result result() {
    List<Sample> all = new ArrayList<>(samples);
    Map<String, Integer> asWriter = new LinkedHashMap<>();
    boxes.forEach(b -> asWriter.put(b, 0));
    for (Sample s : all) {
      s.writers().forEach(w -> asWriter.merge(w, 1, Integer::sum));
    }
    return new Result(all.size(), all.stream().filter(s -> s.writers().size() > 1).toList(), asWriter);
  }

  @Override
  public void close() {
    stopping = true;
  }
}
