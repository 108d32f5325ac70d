package dev.cutover.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the players count when the front door closes a connection before answering, or refuses it. */
class PlayersTest {

  @Test
  void aConnectionClosedBeforeAnyAnswerIsSentOnceMoreThenCountedFailed() throws Exception {
    try (ServerSocket closer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread accepting = new Thread(() -> {
        while (!closer.isClosed()) {
          try (Socket s = closer.accept()) {
            // Reads nothing, answers nothing: closed before a byte of an answer.
          } catch (Exception closed) {
            return;
          }
        }
      });
      accepting.setDaemon(true);
      accepting.start();
      Players.Result result = play(URI.create("http://127.0.0.1:" + closer.getLocalPort() + "/"));

      assertTrue(result.sent() >= 3, result.toString());
      assertEquals(result.sent(), result.resent(), "each sent once more: " + result);
      assertEquals(result.sent(), result.failed(), "and failed when closed again: " + result);
    }
  }

  @Test
  void aRefusedConnectionIsAFailedRequestNotSentAgain() throws Exception {
    int port;
    try (ServerSocket nobody = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = nobody.getLocalPort();
    }
    Players.Result result = play(URI.create("http://127.0.0.1:" + port + "/"));

    assertTrue(result.sent() >= 3, result.toString());
    assertEquals(0, result.resent(), result.toString());
    assertEquals(result.sent(), result.failed(), "every refused request counted: " + result);
    assertTrue(result.failures().get(0).contains("ConnectException"), result.failures().toString());
  }

  private static Players.Result play(URI url) throws InterruptedException {
    try (Players players = new Players(url, 20, List.of(1))) {
      players.start();
      long deadline = System.currentTimeMillis() + 10_000;
      do {
        Thread.sleep(50);
      } while (System.currentTimeMillis() < deadline && players.sentSoFar() < 3);
      return players.stop();
    }
  }
}
