package dev.cutover.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What the numbers were measured on, and how busy it was meanwhile (other engineers share the cores). */
public record Machine(int cores, long memoryMb, String cpu, String kernel, String java) {

  public static Machine describe() {
    String cpu = "unknown";
    long memoryKb = 0;
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          memoryKb = Long.parseLong(line.replaceAll("\\D+", ""));
        }
      }
    } catch (IOException | RuntimeException unreadable) {
      // Not Linux, or /proc hidden: the page says unknown.
    }
    return new Machine(Runtime.getRuntime().availableProcessors(), memoryKb / 1024, cpu,
        System.getProperty("os.name") + " " + System.getProperty("os.version"),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
  }

  /** The 1-minute load average now, or -1 where there is none. */
  public static double load() {
    try {
      return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    } catch (IOException | RuntimeException unreadable) {
      return -1;
    }
  }

  /** Samples the load average every few seconds in the background, for the page's "how busy" line. */
  public static final class LoadSampler implements AutoCloseable {
    private final List<Double> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    public LoadSampler() {
      thread = new Thread(() -> {
        while (running) {
          synchronized (samples) {
            samples.add(load());
          }
          try {
            Thread.sleep(5_000);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "bench-load");
      thread.setDaemon(true);
      thread.start();
    }

    public Stats stats() {
      synchronized (samples) {
        return Stats.of(samples);
      }
    }

    public String describe() {
      Stats s = stats();
      return s == null ? "unknown" : String.format(Locale.ROOT,
          "1-minute load average %.2f median, %.2f-%.2f over %d samples", s.median(), s.min(), s.max(), s.runs());
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
    }
  }
}
