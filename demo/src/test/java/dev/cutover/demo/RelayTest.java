package dev.cutover.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The network world's link, on loopback (no root needed): its delay, its order, its cut and restore. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RelayTest {

  private ServerSocket echo;
  private Relay relay;

  @BeforeEach
  void echoServer() throws IOException {
    echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!echo.isClosed()) {
        try {
          Socket s = echo.accept();
          Thread c = new Thread(() -> {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
              in.transferTo(out);
            } catch (IOException closed) {
              // the client went
            }
          });
          c.setDaemon(true);
          c.start();
        } catch (IOException closed) {
          return;
        }
      }
    });
    t.setDaemon(true);
    t.start();
  }

  @AfterEach
  void close() throws IOException {
    if (relay != null) {
      relay.close();
    }
    echo.close();
  }

  private Relay relay(Duration oneWay) throws IOException {
    relay = new Relay("test", "127.0.0.1", new InetSocketAddress("127.0.0.1", echo.getLocalPort()), oneWay);
    return relay;
  }

  private Socket connect() throws IOException {
    String[] hostPort = relay.address().split(":");
    Socket s = new Socket(hostPort[0], Integer.parseInt(hostPort[1]));
    s.setSoTimeout(5_000);
    s.setTcpNoDelay(true);
    return s;
  }

  @Test
  void everyRoundTripTakesTwiceTheOneWayDelayAndTheBytesKeepTheirOrder() throws IOException {
    relay(Duration.ofMillis(20));
    try (Socket s = connect()) {
      byte[] sent = new byte[200_000];
      new Random(7).nextBytes(sent);
      long start = System.nanoTime();
      s.getOutputStream().write(1);
      assertEquals(1, s.getInputStream().read());
      long roundTripMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(roundTripMillis >= 40 && roundTripMillis < 500, "round trip " + roundTripMillis + " ms");

      Thread writer = new Thread(() -> {
        try {
          s.getOutputStream().write(sent);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      });
      writer.start();
      assertArrayEquals(sent, s.getInputStream().readNBytes(sent.length));
    }
  }

  @Test
  void aCutResetsOpenConnectionsAndRefusesNewOnesUntilRestored() throws Exception {
    relay(Duration.ZERO);
    try (Socket open = connect()) {
      open.getOutputStream().write(1);
      assertEquals(1, open.getInputStream().read());

      relay.cut();
      assertThrows(IOException.class, () -> {
        // A reset connection fails on the next read or write (a write may be buffered once).
        open.getOutputStream().write(2);
        if (open.getInputStream().read() < 0) {
          throw new IOException("closed");
        }
      });
      try (Socket refused = connect()) {
        assertThrows(IOException.class, () -> {
          refused.getOutputStream().write(3);
          if (refused.getInputStream().read() < 0) {
            throw new IOException("closed");
          }
        });
      }
      assertTrue(relay.refused() >= 1, "refused " + relay.refused());
    }
    relay.restore();
    try (Socket again = connect()) {
      again.getOutputStream().write(4);
      assertEquals(4, again.getInputStream().read());
    }
  }
}
