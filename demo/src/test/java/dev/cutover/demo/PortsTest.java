package dev.cutover.demo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testing.Ports;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class PortsTest {

  @Test
  void aChosenPortIsFreeAndBelowTheKernelsOwnRange() throws Exception {
    int ephemeral = Ports.ephemeralStart();
    assertTrue(ephemeral > 10_000, "read the kernel's range: " + ephemeral);
    for (int i = 0; i < 50; i++) {
      int port = Ports.free();
      assertTrue(port >= 10_000 && port < ephemeral, port + " outside 10000.." + ephemeral);
      try (ServerSocket bound = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        assertTrue(bound.isBound(), "free when chosen: " + port);
      }
    }
  }
}
