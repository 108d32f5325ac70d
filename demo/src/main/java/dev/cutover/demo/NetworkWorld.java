package dev.cutover.demo;

import dev.cutover.testing.LocalCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The demo world with its boxes on a network: "home" and "arm" are each a network namespace with its own
 * address, joined to the mover (this JVM's namespace: the Temporal service, the mover worker, the front
 * door, the players) by a veth pair, and each box's PostgreSQL listens only on its box's address. The mover
 * reaches each box's database across a wide-area link: a {@link Relay} on the mover's end of the veth pair,
 * which adds the link's latency and can be cut and restored. The plan names the databases by those link
 * addresses, never 127.0.0.1. The test's own observers (the one-writer monitor, the ledger) reach the boxes
 * directly over the veth pairs, so they see the truth while a link is cut. With {@link #withBoxWorkers} and
 * {@link #temporalFor}, each box's commands run on a worker inside the box's namespace; what they call on
 * the mover's side is relayed to the mover's own address on its loopback device, which the boxes reach over
 * their default routes. The kernel here has no netem: the relays are where the latency and the drops are.
 *
 * <p>Names carry this JVM's pid, so a crashed run's leftovers never collide; {@link #create} first deletes
 * any {@code cutover-} namespace whose run is gone. {@link #close()} stops the world, the relays and every
 * process left in the namespaces, and deletes the namespaces (which deletes their veth pairs).
 */
public final class NetworkWorld implements AutoCloseable {

  static final String PREFIX = "cutover-";
  private static final int POSTGRES_PORT = 5432;

  /** One box: its namespace, the mover's and the box's ends of the veth pair, and its link to the mover. */
  record Box(String name, String namespace, String moverAddress, String address, Relay link) {}

  private static final AtomicInteger WORLDS = new AtomicInteger();

  private final long pid = ProcessHandle.current().pid();
  // A JVM builds several worlds, one after another: each has its own names and networks.
  private final int seq = WORLDS.incrementAndGet() % 25;
  // 10.X.(10 seq + k).0/24 per box: X from the pid, moved on past any 10.X/16 an address here is in already,
  // so two live runs on one machine (two test forks) do not share a network.
  private final int net = freeNetwork(pid, Ip.run(List.of("ip", "-o", "-4", "addr", "show")).text());
  private final String mover = "10." + net + "." + (10 * seq) + ".1";
  private final Map<String, Box> boxes = new LinkedHashMap<>();
  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private final Duration oneWay;
  private DemoWorld world;
  private Relay door;
  private boolean closed;
  /** Ctrl-C runs no finally block: the namespaces and addresses go with the JVM's shutdown instead. */
  private final Thread hook = new Thread(this::close, "cutover-network-cleanup");

  private NetworkWorld(Duration oneWay) {
    this.oneWay = oneWay;
  }

  /** Whether this machine can build the world: root and the {@code ip} tool (as a skip reason, or null). */
  public static String unavailable() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "the network world needs root (ip netns): running as " + System.getProperty("user.name");
    }
    if (Ip.run(List.of("ip", "-V")).exitCode() != 0) {
      return "the network world needs the ip tool (iproute2)";
    }
    return null;
  }

  /** The namespaces, links and the demo world on them; on any failure all of it is removed again. */
  public static NetworkWorld create(DemoWorld.Options options, Duration oneWay, Consumer<String> progress) {
    sweep();
    NetworkWorld network = new NetworkWorld(oneWay);
    Runtime.getRuntime().addShutdownHook(network.hook);
    try {
      network.addMoverAddress();
      int k = 1;
      for (String box : DemoWorld.BOXES) {
        network.addBox(box, k++);
      }
      network.world = DemoWorld.create(options, network::startCluster, progress);
      network.addDoorLink();
      return network;
    } catch (RuntimeException | IOException e) {
      network.close();
      throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
    }
  }

  /**
   * The mover's own address as the boxes see it (on its loopback device, reached over each box's default
   * route): where the mover's services that a box worker needs are relayed to.
   */
  private void addMoverAddress() {
    Ip.check("ip", "addr", "add", mover + "/32", "dev", "lo");
    resources.push(() -> Ip.run(List.of("ip", "addr", "del", mover + "/32", "dev", "lo")));
  }

  private void addBox(String box, int k) throws IOException {
    String ns = PREFIX + box + "-" + pid + "-" + seq;
    String moverEnd = "cv" + box.charAt(0) + pid + "s" + seq;
    String subnet = "10." + net + "." + (10 * seq + k);
    String moverAddress = subnet + ".1";
    String address = subnet + ".2";
    Ip.check("ip", "netns", "add", ns);
    resources.push(() -> deleteNamespace(ns));
    Ip.check("ip", "link", "add", moverEnd, "type", "veth", "peer", "name", "eth0", "netns", ns);
    // Deleted with the namespace too, but only later (the kernel frees a namespace's devices lazily).
    resources.push(() -> Ip.run(List.of("ip", "link", "del", moverEnd)));
    Ip.check("ip", "addr", "add", moverAddress + "/24", "dev", moverEnd);
    Ip.check("ip", "link", "set", moverEnd, "up");
    Ip.check("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
    Ip.check("ip", "netns", "exec", ns, "ip", "addr", "add", address + "/24", "dev", "eth0");
    Ip.check("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up");
    Ip.check("ip", "netns", "exec", ns, "ip", "route", "add", "default", "via", moverAddress);
    Relay link = new Relay(box, moverAddress, new InetSocketAddress(address, POSTGRES_PORT), oneWay);
    resources.push(link);
    boxes.put(box, new Box(box, ns, moverAddress, address, link));
  }

  /**
   * The mover's way to the front door's API (Caddy's admin endpoint), as a link that can be cut like the
   * boxes'. Caddy itself stays on the mover's loopback, where the players reach it. Caddy's admin API answers
   * only requests whose Host it knows (403 "host not allowed" otherwise), so the link's address is added to
   * its {@code admin.origins}, as a remote front door's would be.
   */
  private void addDoorLink() throws IOException {
    URI admin = world.caddyAdminUrl();
    if (admin == null) {
      return;
    }
    door = new Relay("door", mover, new InetSocketAddress(admin.getHost(), admin.getPort()), oneWay);
    resources.push(door);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    String origins = "[\"" + admin.getHost() + ":" + admin.getPort() + "\",\"" + door.address() + "\"]";
    try {
      HttpResponse<String> put = http.send(HttpRequest.newBuilder(admin.resolve("/config/admin/origins"))
          .header("Content-Type", "application/json").PUT(HttpRequest.BodyPublishers.ofString(origins)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (put.statusCode() != 200) {
        throw new IllegalStateException("Caddy refused the door link's origin: " + put.statusCode() + " " + put.body());
      }
      // Caddy restarts its admin endpoint to apply it: wait until the link gets an answer.
      URI across = URI.create("http://" + door.address() + "/config/");
      long deadline = System.currentTimeMillis() + 20_000;
      while (true) {
        try {
          if (http.send(HttpRequest.newBuilder(across).build(), HttpResponse.BodyHandlers.discarding())
              .statusCode() == 200) {
            return;
          }
        } catch (IOException restarting) {
          // the admin endpoint is coming back
        }
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("Caddy's admin API never answered across the door link");
        }
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * The plan with each box's commands run by a worker on the box ({@code host: {exec: worker}}, task queues
   * {@code cutover-<box>}): what those commands and checks call (the service manager, the box's app, the
   * public health URL) is relayed to the mover's address, which the boxes reach.
   */
  public String withBoxWorkers(String plan) throws IOException {
    String text = plan;
    for (String box : DemoWorld.BOXES) {
      text = text.replaceFirst("host: \\{exec: local}", "host: {exec: worker, taskQueue: " + hostQueue(box) + "}");
      Relay app = reachable("app-" + box, world.appPort(box), Duration.ZERO);
      text = text.replace("http://127.0.0.1:" + world.appPort(box) + "/healthz", "http://" + app.address() + "/healthz");
    }
    Relay control = reachable("control", world.controlUrl().getPort(), Duration.ZERO);
    text = text.replace(world.controlUrl() + "/services/", "http://" + control.address() + "/services/");
    Relay front = reachable("public", world.publicUrl().getPort(), Duration.ZERO);
    return text.replace(world.publicUrl() + "/healthz", "http://" + front.address() + "/healthz");
  }

  public static String hostQueue(String box) {
    return "cutover-" + box;
  }

  /** Temporal's frontend as a worker on {@code box} reaches it: across the box's link. */
  public String temporalFor(String box) throws IOException {
    int port = Integer.parseInt(world.temporal().address().replaceAll(".*:", ""));
    Relay relay = new Relay("temporal-" + box, boxes.get(box).moverAddress(),
        new InetSocketAddress("127.0.0.1", port), oneWay);
    resources.push(relay);
    return relay.address();
  }

  private Relay reachable(String name, int loopbackPort, Duration delay) throws IOException {
    Relay relay = new Relay(name, mover, new InetSocketAddress("127.0.0.1", loopbackPort), delay);
    resources.push(relay);
    return relay;
  }

  /** The link to the front door's API, when the world's front door is Caddy. */
  public Relay doorLink() {
    return door;
  }

  private LocalCluster startCluster(String box) {
    Box b = boxes.get(box);
    return LocalCluster.startIn(box, new LocalCluster.Site(b.namespace(), b.address(), "10." + net + ".0.0/16"),
        POSTGRES_PORT);
  }

  public DemoWorld world() {
    return world;
  }

  /**
   * The plan as the world wrote it, with each database (and the front door's API) reached across its link
   * instead of directly: what a mover at another site sees.
   */
  public String acrossTheLinks(String plan) {
    String text = plan;
    for (Box b : boxes.values()) {
      text = text.replace(b.address() + ":" + POSTGRES_PORT, b.link().address());
    }
    if (door != null) {
      text = text.replace("adminUrl: \"" + world.caddyAdminUrl() + "\"", "adminUrl: \"http://" + door.address() + "\"");
    }
    return text;
  }

  public Relay link(String box) {
    return boxes.get(box).link();
  }

  /** The box's own address, where its PostgreSQL listens. */
  public String address(String box) {
    return boxes.get(box).address();
  }

  public String namespace(String box) {
    return boxes.get(box).namespace();
  }

  public Duration oneWay() {
    return oneWay;
  }

  /** The median time of {@code SELECT 1} on the box's server across its link: the link's round trip. */
  public Duration roundTrip(String box) throws SQLException {
    String url = "jdbc:postgresql://" + link(box).address() + "/postgres";
    try (Connection c = DriverManager.getConnection(url, LocalCluster.SUPERUSER, "");
        Statement s = c.createStatement()) {
      long[] nanos = new long[9];
      for (int i = 0; i < nanos.length; i++) {
        long start = System.nanoTime();
        s.execute("SELECT 1");
        nanos[i] = System.nanoTime() - start;
      }
      Arrays.sort(nanos);
      return Duration.ofNanos(nanos[nanos.length / 2]);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (world != null) {
      world.close();
    }
    while (!resources.isEmpty()) {
      try {
        resources.pop().close();
      } catch (Exception e) {
        System.err.println("network cleanup: " + e.getMessage());
      }
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is what is closing us
    }
  }

  /** Kills what still runs in the namespace (by pid), then deletes it and with it its end of the veth pair. */
  private static void deleteNamespace(String ns) {
    Ip.Output pids = Ip.run(List.of("ip", "netns", "pids", ns));
    for (String line : pids.text().split("\\s+")) {
      if (line.matches("\\d+")) {
        ProcessHandle.of(Long.parseLong(line)).ifPresent(ProcessHandle::destroyForcibly);
      }
    }
    Ip.Output deleted = Ip.run(List.of("ip", "netns", "del", ns));
    if (deleted.exitCode() != 0) {
      System.err.println("could not delete namespace " + ns + ": " + deleted.text());
    }
  }

  /** The first X in 100..199, counting on from the pid's, that no address in {@code addresses} lies in. */
  static int freeNetwork(long pid, String addresses) {
    for (int i = 0; i < 100; i++) {
      int x = 100 + (int) ((pid + i) % 100);
      if (!addresses.contains(" 10." + x + ".")) {
        return x;
      }
    }
    return 100 + (int) (pid % 100);
  }

  /** Deletes the namespaces of runs that are gone (their pid no longer lives), with what still runs there. */
  static List<String> sweep() {
    List<String> swept = new ArrayList<>();
    for (String line : Ip.run(List.of("ip", "netns", "list")).text().split("\n")) {
      String ns = line.strip().split("\\s+")[0];
      if (!ns.startsWith(PREFIX)) {
        continue;
      }
      String[] parts = ns.split("-");
      String owner = parts.length >= 2 ? parts[parts.length - 2] : "";
      boolean alive = owner.matches("\\d+") && ProcessHandle.of(Long.parseLong(owner)).isPresent();
      if (!alive) {
        deleteNamespace(ns);
        swept.add(ns);
      }
    }
    return swept;
  }

  /** {@code ip} as an argument list, its output read from a file rather than a pipe nobody drains. */
  static final class Ip {
    record Output(int exitCode, String text) {}

    static Output run(List<String> argv) {
      try {
        Path out = Files.createTempFile("cutover-ip-", ".out");
        try {
          Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile()).start();
          if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Output(-1, String.join(" ", argv) + ": timed out");
          }
          return new Output(p.exitValue(), Files.readString(out).strip());
        } finally {
          Files.deleteIfExists(out);
        }
      } catch (IOException e) {
        return new Output(-1, e.getMessage());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new Output(-1, "interrupted");
      }
    }

    static void check(String... argv) {
      Output o = run(List.of(argv));
      if (o.exitCode() != 0) {
        throw new IllegalStateException(String.join(" ", argv) + " failed (exit " + o.exitCode() + "): " + o.text());
      }
    }
  }
}
