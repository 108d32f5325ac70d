package dev.cutover.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A site's gateway on the wide-area link: a TCP relay that listens on an address of the mover's side of the
 * link and forwards to one server inside the site, delaying every chunk by {@code oneWay} in each direction
 * (this kernel has no netem, so the latency is made in user space). {@link #cut()} drops the link the way a
 * router that lost its uplink answers: every open connection is reset and every new one refused, until
 * {@link #restore()}. Bytes within a direction keep their order, since every chunk waits the same time.
 */
public final class Relay implements AutoCloseable {

  private static final byte[] CLOSE = new byte[0];

  private final String name;
  private final InetSocketAddress upstream;
  private final long oneWayNanos;
  private final ServerSocket listener;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicInteger refused = new AtomicInteger();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile boolean down;
  private volatile boolean closed;

  Relay(String name, String bindAddress, InetSocketAddress upstream, Duration oneWay) throws IOException {
    this.name = name;
    this.upstream = upstream;
    this.oneWayNanos = oneWay.toNanos();
    this.listener = new ServerSocket();
    listener.bind(new InetSocketAddress(bindAddress, 0), 100);
    Thread acceptor = new Thread(this::acceptLoop, "relay-" + name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Where clients connect: {@code host:port}, as a plan names a server. */
  public String address() {
    return listener.getInetAddress().getHostAddress() + ":" + listener.getLocalPort();
  }

  /** The link goes down: open connections are reset, new ones refused. */
  public void cut() {
    down = true;
    for (Socket s : open) {
      reset(s);
    }
  }

  public void restore() {
    down = false;
  }

  public boolean isDown() {
    return down;
  }

  /** Connections refused since the relay started: each is a client that tried the link while it was down. */
  public int refused() {
    return refused.get();
  }

  public int accepted() {
    return accepted.get();
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = listener.accept();
      } catch (IOException e) {
        if (!closed) {
          System.err.println("relay " + name + ": " + e.getMessage());
        }
        return;
      }
      if (down) {
        refused.incrementAndGet();
        reset(client);
        continue;
      }
      accepted.incrementAndGet();
      Socket server = new Socket();
      try {
        server.setTcpNoDelay(true);
        client.setTcpNoDelay(true);
        server.connect(upstream, 5_000);
      } catch (IOException e) {
        reset(client);
        reset(server);
        continue;
      }
      open.add(client);
      open.add(server);
      AtomicInteger directionsLeft = new AtomicInteger(2);
      pipe(client, server, name + "-up", directionsLeft);
      pipe(server, client, name + "-down", directionsLeft);
    }
  }

  /** One direction: a reader stamps each chunk with when it may leave, a writer sends it then. */
  private void pipe(Socket from, Socket to, String label, AtomicInteger directionsLeft) {
    BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      byte[] buffer = new byte[64 * 1024];
      try {
        InputStream in = from.getInputStream();
        int n;
        while ((n = in.read(buffer)) >= 0) {
          queue.put(new Chunk(System.nanoTime() + oneWayNanos, Arrays.copyOf(buffer, n)));
        }
      } catch (IOException | InterruptedException e) {
        // reset by cut() or by the other end
      }
      queue.add(new Chunk(System.nanoTime() + oneWayNanos, CLOSE));
    }, label + "-read");
    Thread writer = new Thread(() -> {
      try {
        OutputStream out = to.getOutputStream();
        while (true) {
          Chunk chunk = queue.take();
          long wait;
          // The chunk is in flight on the link until its time comes: this is the latency, not a wait for state.
          while ((wait = chunk.dueNanos() - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
          }
          if (chunk.bytes() == CLOSE) {
            break;
          }
          out.write(chunk.bytes());
          out.flush();
        }
        to.shutdownOutput();
      } catch (IOException | InterruptedException e) {
        // reset by cut() or by the other end
      } finally {
        // Each direction ends on its own (a half-close); the sockets close once both have.
        if (directionsLeft.decrementAndGet() == 0) {
          closeQuietly(to);
          closeQuietly(from);
        }
      }
    }, label + "-write");
    reader.setDaemon(true);
    writer.setDaemon(true);
    reader.start();
    writer.start();
  }

  private record Chunk(long dueNanos, byte[] bytes) {}

  private void reset(Socket s) {
    try {
      s.setSoLinger(true, 0);
    } catch (SocketException alreadyClosed) {
      // nothing to reset
    }
    closeQuietly(s);
  }

  private void closeQuietly(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing
    }
    for (Socket s : open) {
      reset(s);
    }
  }
}
