package dev.cutover.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.live.HealthActivities.LiveRequest;
import dev.cutover.live.HealthActivities.LiveResult;
import dev.cutover.plan.Health;
import dev.cutover.workflow.CutoverFailure;
import io.temporal.failure.ApplicationFailure;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Verify-live against a stand-in public URL: which answers count, which reset the run, which only wait. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HealthActivitiesTest {

  private static final long READ_TIMEOUT_MILLIS = 300;

  private final MockWebServer server = new MockWebServer();
  private final HealthActivitiesImpl activities = new HealthActivitiesImpl(new OkHttpClient.Builder()
      .readTimeout(READ_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).retryOnConnectionFailure(false).build());

  @BeforeEach
  void start() throws IOException {
    server.start();
  }

  @AfterEach
  void stop() throws IOException {
    server.shutdown();
  }

  private static MockResponse from(String box) {
    return new MockResponse().setHeader("X-Served-By", box).setBody("{\"box\":\"" + box + "\",\"db\":\"ok\"}");
  }

  /** An answer that arrives after the probe gave up: the target's queue after a held burst is released. */
  private static MockResponse queued() {
    return from("arm").setHeadersDelay(3 * READ_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
  }

  private LiveRequest request(Duration timeout) {
    return new LiveRequest("arm", new Health(server.url("/healthz").uri(), Map.of("X-Served-By", "arm"),
        "\"db\":\"ok\"", 5, Duration.ofMillis(10), timeout));
  }

  @Test
  void answersStuckInAQueueNeitherCountNorResetTheRun() {
    for (MockResponse r : new MockResponse[] {from("arm"), from("arm"), queued(), queued(), from("arm"),
        from("arm"), from("arm")}) {
      server.enqueue(r);
    }

    LiveResult result = activities.verifyLive(request(Duration.ofSeconds(10)));

    assertEquals(5, result.consecutiveOk());
    assertEquals(7, result.requests());
    assertEquals(2, result.failures());
    assertTrue(result.lastProblem().startsWith("no answer in time"), result.lastProblem());
  }

  @Test
  void oneAnswerFromTheOldBoxStartsTheRunAgain() {
    for (MockResponse r : new MockResponse[] {from("arm"), from("arm"), from("arm"), from("arm"), from("home"),
        from("arm"), from("arm"), from("arm"), from("arm"), from("arm")}) {
      server.enqueue(r);
    }

    LiveResult result = activities.verifyLive(request(Duration.ofSeconds(10)));

    assertEquals(10, result.requests());
    assertEquals(1, result.failures());
    assertEquals("header X-Served-By was 'home', expected 'arm'", result.lastProblem());
  }

  /**
   * An HTTP/1.0 front door answers without keep-alive and closes the connection. Reusing that connection
   * made every second probe fail with "unexpected end of stream" and a move end FAILED; each probe on a
   * connection of its own counts them all.
   */
  @Test
  void aFrontDoorThatClosesEveryConnectionStillCountsEveryAnswer() throws Exception {
    try (ServerSocket http10 = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread serving = new Thread(() -> {
        while (!http10.isClosed()) {
          try (Socket client = http10.accept()) {
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.ISO_8859_1));
            for (String line; (line = in.readLine()) != null && !line.isEmpty(); ) {
              // the request's head; a health probe has no body
            }
            String body = "{\"box\":\"arm\",\"db\":\"ok\"}";
            client.getOutputStream().write(("HTTP/1.0 200 OK\r\nX-Served-By: arm\r\nContent-Length: " + body.length()
                + "\r\n\r\n" + body).getBytes(StandardCharsets.ISO_8859_1));
          } catch (IOException closed) {
            return;
          }
        }
      });
      serving.setDaemon(true);
      serving.start();
      Health health = new Health(java.net.URI.create("http://127.0.0.1:" + http10.getLocalPort() + "/healthz"),
          Map.of("X-Served-By", "arm"), "\"db\":\"ok\"", 10, Duration.ofMillis(10), Duration.ofSeconds(10));

      LiveResult result = new HealthActivitiesImpl().verifyLive(new LiveRequest("arm", health));

      assertEquals(10, result.consecutiveOk());
      assertEquals(10, result.requests(), "last problem: " + result.lastProblem());
      assertEquals(0, result.failures());
    }
  }

  @Test
  void aTargetThatNeverAnswersStillFailsAtTheTimeout() {
    server.setDispatcher(new Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return queued();
      }
    });

    long started = System.nanoTime();
    ApplicationFailure failure = assertThrows(ApplicationFailure.class,
        () -> activities.verifyLive(request(Duration.ofSeconds(2))));
    long tookMillis = (System.nanoTime() - started) / 1_000_000;

    assertEquals(CutoverFailure.VERIFY_LIVE_FAILED.name(), failure.getType());
    assertTrue(failure.getOriginalMessage().contains("best run 0"), failure.getOriginalMessage());
    assertTrue(failure.getOriginalMessage().contains("no answer in time"), failure.getOriginalMessage());
    assertTrue(tookMillis >= 2000 && tookMillis < 2000 + 4 * READ_TIMEOUT_MILLIS, "failed after " + tookMillis + " ms");
  }
}
