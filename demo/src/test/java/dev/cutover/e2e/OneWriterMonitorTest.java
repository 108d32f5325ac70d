package dev.cutover.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.demo.OneWriterMonitor;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The monitor the end-to-end tests rely on must itself be able to see two writers. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class OneWriterMonitorTest {

  @Test
  void aMomentWithTwoWritersIsAViolationAndOneWriterIsNot() throws Exception {
    AtomicBoolean armWrites = new AtomicBoolean(false);
    OneWriterMonitor monitor = new OneWriterMonitor(List.of("home", "arm"),
        box -> box.equals("home") || armWrites.get()).start();
    awaitSamples(monitor, 5);
    assertEquals(0, monitor.result().violations().size());

    armWrites.set(true);
    int before = monitor.result().samples();
    awaitSamples(monitor, before + 3);
    OneWriterMonitor.Result result = monitor.stop();

    assertTrue(result.violations().size() >= 2, result.toString());
    assertEquals(List.of("home", "arm"), result.violations().get(0).writers());
  }

  private static void awaitSamples(OneWriterMonitor monitor, int count) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (monitor.result().samples() < count) {
      assertTrue(System.currentTimeMillis() < deadline, "the monitor took no samples");
      Thread.sleep(10);
    }
  }
}
