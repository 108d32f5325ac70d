package dev.cutover.frontdoor;

import dev.cutover.database.Connections;
import dev.cutover.hosts.ProcessRunner;
import dev.cutover.plan.Database;
import dev.cutover.plan.DatabaseDoor;
import dev.cutover.plan.Durations;
import dev.cutover.support.Heartbeats;
import dev.cutover.workflow.CutoverFailure;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * PgBouncer driven through its admin console ({@link PgBouncerConsole}) and the ini line of the app's
 * entry ({@link EntryFile}). The order inside each step is what keeps clients from ever reaching the
 * wrong database: the address is proven (SHOW DATABASES) before RESUME lets anyone through.
 */
public class DatabaseDoorActivitiesImpl implements DatabaseDoorActivities {

  /** How long after RESUME a server connection to the old box may linger before it counts as stuck. */
  private static final Duration OLD_SERVERS_GONE = Duration.ofSeconds(10);

  @Override
  public DoorCheck check(DoorRequest request) {
    DatabaseDoor door = request.door();
    PgBouncerConsole console = new PgBouncerConsole(door.admin());
    DoorState state = state(console, door.entry());
    EntryFile file = new EntryFile(Path.of(door.configFile()), door.entry());
    EntryFile.Address written = file.read();
    String unwritable = file.whyNotWritable();
    if (unwritable != null) {
      throw CutoverFailure.INVALID_PLAN.failure(unwritable + ": the switch rewrites the entry there");
    }
    Map<String, String> row = row(console, door.entry());
    String poolMode = row.getOrDefault("pool_mode", "");
    if (poolMode.isEmpty()) {
      poolMode = console.setting("pool_mode");
    }
    long waitSeconds = seconds(console.setting("query_wait_timeout"));
    Connections.Address wanted = Connections.address(request.pointAt());
    boolean pointsThere = sameAddress(state, wanted);
    String detail = "entry " + door.entry() + " on " + console.where() + " leads to " + state.address()
        + (state.paused() ? " (paused)" : "") + "; " + door.configFile() + " says " + written.describe()
        + "; pool mode " + poolMode + ", query_wait_timeout " + (waitSeconds == 0 ? "off" : waitSeconds + "s");
    return new DoorCheck(state, pointsThere, poolMode, waitSeconds, detail);
  }

  @Override
  public DoorResult hold(DoorRequest request) {
    long started = System.nanoTime();
    DatabaseDoor door = request.door();
    PgBouncerConsole console = new PgBouncerConsole(door.admin());
    Process pause = console.startPause(door.entry(), door.pauseTimeout());
    boolean ended;
    try {
      ended = ProcessRunner.waitHeartbeating(pause, door.pauseTimeout(), "PAUSE " + door.entry());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel(console, door.entry(), pause);
      throw CutoverFailure.FRONT_DOOR_FAILED.failure("interrupted while PAUSE " + door.entry() + " waited", e);
    }
    if (!ended) {
      String busy = busy(console, door.entry());
      cancel(console, door.entry(), pause);
      throw CutoverFailure.PAUSE_TIMED_OUT.failure("PAUSE " + door.entry() + " did not finish within "
          + Durations.format(door.pauseTimeout()) + " (" + busy + "); it was cancelled with RESUME and clients"
          + " flow to " + request.otherBox() + " as before. A transaction or session that stays open that long"
          + " (pool_mode session holds one per client) cannot be held; raise databaseDoor.pauseTimeout or end it");
    }
    if (pause.exitValue() != 0) {
      throw CutoverFailure.FRONT_DOOR_FAILED.failure("PAUSE " + door.entry() + " on " + console.where()
          + " failed: " + PgBouncerConsole.errorOf(pause));
    }
    DoorState state = state(console, door.entry());
    if (!state.paused()) {
      // PgBouncer restarted between the PAUSE and this read: it forgot the PAUSE. Retrying pauses again.
      throw CutoverFailure.FRONT_DOOR_FAILED.failure("PAUSE " + door.entry() + " answered but the entry is not"
          + " paused now (did PgBouncer restart?)");
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    return new DoorResult(state, millis, "PAUSE " + door.entry() + " in " + millis + " ms: transactions in flight"
        + " finished, new ones wait at " + console.where());
  }

  @Override
  public DoorResult pointAt(DoorRequest request) {
    long started = System.nanoTime();
    DatabaseDoor door = request.door();
    PgBouncerConsole console = new PgBouncerConsole(door.admin());
    Connections.Address to = Connections.address(request.pointAt());
    EntryFile file = new EntryFile(Path.of(door.configFile()), door.entry());
    boolean changed = file.point(new EntryFile.Address(to.host(), String.valueOf(to.port()), to.database()));
    console.command("RELOAD");
    DoorState state = state(console, door.entry());
    if (!sameAddress(state, to)) {
      // RELOAD keeps the old configuration when the file does not parse; clients stay held, a retry looks again.
      throw CutoverFailure.FRONT_DOOR_FAILED.failure("after RELOAD the entry " + door.entry() + " still leads to "
          + state.address() + ", not " + request.pointAtBox() + "'s " + to.host() + ":" + to.port() + "/"
          + to.database() + "; PgBouncer's log says why it did not take " + file.file());
    }
    console.resume(door.entry());
    String old = oldServersGone(console, door.entry(), request.other());
    long millis = (System.nanoTime() - started) / 1_000_000;
    return new DoorResult(state(console, door.entry()), millis, (changed ? "rewrote " + file.file() + ", " : "")
        + "entry " + door.entry() + " leads to " + request.pointAtBox() + " (" + state.address() + "), resumed; "
        + old);
  }

  /**
   * A client that kept a server connection through the switch would go on writing to the old box
   * (pgbouncer#1311). PAUSE closes them all, so normally none is left; RECONNECT closes any that are, as
   * soon as they are released, and this waits for that.
   */
  private String oldServersGone(PgBouncerConsole console, String entry, Database other) {
    if (other == null) {
      return "no other box to check";
    }
    Connections.Address old = Connections.address(other);
    Set<String> oldAddresses = addresses(old.host());
    long deadline = System.nanoTime() + OLD_SERVERS_GONE.toNanos();
    boolean reconnected = false;
    while (true) {
      long left = console.show("SERVERS").stream()
          .filter(s -> entry.equals(s.get("database")))
          .filter(s -> oldAddresses.contains(s.get("addr")) && String.valueOf(old.port()).equals(s.get("port")))
          .count();
      if (left == 0) {
        return "no server connection left on " + old.host() + ":" + old.port();
      }
      if (System.nanoTime() > deadline) {
        throw CutoverFailure.FRONT_DOOR_FAILED.failure(left + " server connection(s) of " + entry + " still use "
            + old.host() + ":" + old.port() + " " + Durations.format(OLD_SERVERS_GONE) + " after RECONNECT");
      }
      if (!reconnected) {
        console.command("RECONNECT " + PgBouncerConsole.quote(entry));
        reconnected = true;
      }
      Heartbeats.send("waiting for " + left + " server connection(s) to " + old.host() + " to close");
      sleep(200);
    }
  }

  /** RESUME first, so held clients flow again at once; then end the PAUSE, which never answers after it. */
  private static void cancel(PgBouncerConsole console, String entry, Process pause) {
    try {
      console.resume(entry);
    } finally {
      pause.descendants().forEach(ProcessHandle::destroyForcibly);
      pause.destroyForcibly();
    }
  }

  /** What kept the PAUSE waiting, from SHOW POOLS: server connections still busy with a client. */
  private static String busy(PgBouncerConsole console, String entry) {
    try {
      return console.show("POOLS").stream().filter(p -> entry.equals(p.get("database")))
          .map(p -> p.get("sv_active") + " server connection(s) busy, " + p.get("cl_active") + " client(s) active")
          .findFirst().orElse("no pool for " + entry);
    } catch (RuntimeException e) {
      return "SHOW POOLS failed too";
    }
  }

  static DoorState state(PgBouncerConsole console, String entry) {
    Map<String, String> row = row(console, entry);
    return new DoorState(row.get("host"), Integer.parseInt(row.get("port")), row.get("database"),
        "1".equals(row.get("paused")));
  }

  private static Map<String, String> row(PgBouncerConsole console, String entry) {
    List<Map<String, String>> databases = console.show("DATABASES");
    return databases.stream().filter(d -> entry.equals(d.get("name"))).findFirst()
        .orElseThrow(() -> CutoverFailure.INVALID_PLAN.failure("PgBouncer at " + console.where()
            + " has no database " + entry + " (it has " + databases.stream().map(d -> d.get("name")).toList()
            + "); check databaseDoor.entry"));
  }

  /** SHOW CONFIG gives seconds as a bare number; anything else (absent, odd) reads as 0, "off". */
  private static long seconds(String value) {
    return value != null && value.strip().matches("\\d+") ? Long.parseLong(value.strip()) : 0;
  }

  /** The same server and database; {@code localhost} in PgBouncer and {@code 127.0.0.1} in the plan are one host. */
  private static boolean sameAddress(DoorState state, Connections.Address wanted) {
    if (wanted.port() != state.port() || !wanted.database().equals(state.database()) || state.host() == null) {
      return false;
    }
    if (wanted.host().equals(state.host())) {
      return true;
    }
    Set<String> theirs = addresses(state.host());
    return addresses(wanted.host()).stream().anyMatch(theirs::contains);
  }

  /** SHOW SERVERS reports IP addresses; a plan may name a host. */
  private static Set<String> addresses(String host) {
    Set<String> all = new HashSet<>(Set.of(host));
    try {
      Arrays.stream(InetAddress.getAllByName(host)).map(InetAddress::getHostAddress).forEach(all::add);
    } catch (UnknownHostException ignored) {
      // Compared by the name alone.
    }
    return all;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CutoverFailure.FRONT_DOOR_FAILED.failure("interrupted", e);
    }
  }
}
