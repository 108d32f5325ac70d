package dev.cutover.live;

import dev.cutover.plan.Health;
import dev.cutover.workflow.CutoverFailure;
import dev.cutover.support.Heartbeats;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Verify-live: polls the public URL until {@code consecutive} responses in a row are healthy and carry
 * the target's identity. One stale or cached answer resets the count: only an unbroken run proves the
 * address has settled on the target. A probe that gets no answer in time (stuck behind the burst of
 * requests held through the freeze) says nothing about which box answers, so it neither counts nor
 * resets the run; a dead target still never answers healthy and fails at the timeout.
 */
public class HealthActivitiesImpl implements HealthActivities {

  private static final int READ_TIMEOUT_SECONDS = 5;

  private final OkHttpClient http;

  public HealthActivitiesImpl() {
    this(
        new OkHttpClient.Builder()
            .connectTimeout(2, TimeUnit.SECONDS)
            .readTimeout(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .retryOnConnectionFailure(false)
            .build());
  }

  public HealthActivitiesImpl(OkHttpClient http) {
    this.http = http;
  }

  @Override
  public LiveResult verifyLive(LiveRequest request) {
    Health health = request.health();
    long started = System.nanoTime();
    long deadline = started + health.timeout().toNanos();
    int consecutive = 0;
    int requests = 0;
    int failures = 0;
    String lastProblem = null;
    while (consecutive < health.consecutive()) {
      if (System.nanoTime() > deadline) {
        throw CutoverFailure.VERIFY_LIVE_FAILED.failure(
            "no run of " + health.consecutive() + " healthy responses from " + request.targetBox()
                + " within " + health.timeout().toSeconds() + " s (" + requests + " requests, best run "
                + consecutive + "); last problem: " + lastProblem);
      }
      requests++;
      Probe probe = probe(health);
      if (probe.problem() == null) {
        consecutive++;
      } else {
        if (!probe.unanswered()) {
          consecutive = 0;
        }
        failures++;
        lastProblem = probe.problem();
      }
      Heartbeats.send(Map.of("consecutiveOk", consecutive, "requests", requests));
      sleep(health.interval());
    }
    return new LiveResult(consecutive, requests, failures, lastProblem, (System.nanoTime() - started) / 1_000_000);
  }

  /** {@code problem}: null when the response is healthy and from the target, else what was wrong with it. */
  private record Probe(String problem, boolean unanswered) {
    static final Probe HEALTHY = new Probe(null, false);

    static Probe wrong(String problem) {
      return new Probe(problem, false);
    }
  }

  private Probe probe(Health health) {
    // A connection of its own for every probe: a front door that closes connections (HTTP/1.0, no
    // keep-alive) would otherwise fail every reuse, and a kept-alive connection opened before the flip
    // could still be answered by the old route.
    Request request = new Request.Builder().url(health.url().toString()).header("Cache-Control", "no-cache")
        .header("Connection", "close").get().build();
    try (Response response = http.newCall(request).execute()) {
      if (response.code() != 200) {
        return Probe.wrong("HTTP " + response.code());
      }
      for (Map.Entry<String, String> expected : health.expectHeader().entrySet()) {
        String actual = response.header(expected.getKey());
        if (!expected.getValue().equals(actual)) {
          return Probe.wrong("header " + expected.getKey() + " was "
              + (actual == null ? "absent" : "'" + actual + "'") + ", expected '" + expected.getValue() + "'");
        }
      }
      if (health.expectBody() != null) {
        ResponseBody body = response.body();
        String text = body == null ? "" : body.string();
        if (!text.contains(health.expectBody())) {
          return Probe.wrong("body does not contain '" + health.expectBody() + "'");
        }
      }
      return Probe.HEALTHY;
    } catch (SocketTimeoutException e) {
      // No answer in time: queued behind a burst, or not there at all; either way not a wrong box.
      return new Probe("no answer in time: " + e.getMessage(), true);
    } catch (IOException e) {
      return Probe.wrong(e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private static void sleep(Duration interval) {
    try {
      Thread.sleep(interval.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CutoverFailure.VERIFY_LIVE_FAILED.failure("interrupted", e);
    }
  }
}
