package dev.cutover.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for what a test world starts later (a cluster, an app, a proxy), chosen below the
 * kernel's ephemeral range. A port the kernel hands out itself (a listener on port 0, the local end of an
 * outgoing connection) is always in that range, so between the choice and the bind nothing else can take
 * the port, and a probe of a port nobody listens on cannot connect to itself (Linux lets a connection to a
 * free port in that range pick the same port as its own end). A bench move met that: the target app's
 * port, chosen with port 0 and bound only at the switch, already accepted connections at the freeze.
 */
public final class Ports {

  private static final Path RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
  /** Below the registered services most machines run (PostgreSQL's 5432, Temporal's 7233, ...). */
  private static final int LOWEST = 10_000;
  private static final int TRIES = 200;

  private Ports() {}

  /** A loopback port free now and outside the ephemeral range. */
  public static int free() throws IOException {
    int below = ephemeralStart();
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < TRIES; i++) {
      int port = random.nextInt(LOWEST, below);
      try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      } catch (IOException taken) {
        // In use: try another.
      }
    }
    throw new IOException("no free loopback port between " + LOWEST + " and " + below + " after " + TRIES + " tries");
  }

  /** The first port of the kernel's ephemeral range (32768 where it cannot be read). */
  public static int ephemeralStart() {
    try {
      // One read into a large buffer: a sysctl file answers only a read from its start (Files.readString
      // reads one byte first, and then got nothing more: "3").
      String line;
      try (java.io.BufferedReader in = Files.newBufferedReader(RANGE)) {
        line = in.readLine();
      }
      String[] range = line.trim().split("\\s+");
      int start = Integer.parseInt(range[0]);
      return start > LOWEST + 1000 ? start : 32_768;
    } catch (IOException | RuntimeException unreadable) {
      return 32_768;
    }
  }
}
