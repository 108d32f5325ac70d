package dev.cutover.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cutover.blackbox.Shipped.Result;
import dev.cutover.testing.LocalCluster;
import dev.cutover.temporal.TemporalConnection;
import dev.cutover.testing.PostgresClusters;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * `cutover compare` answers "are these two databases equal?" with nothing else running: no dev-server,
 * no worker. It brings its own for the one call.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class CompareIT {

  @RegisterExtension static final PostgresClusters clusters = new PostgresClusters();
  private static final Duration CALL = Duration.ofMinutes(2);
  private static LocalCluster home;
  private static LocalCluster arm;

  @TempDir Path dir;

  @BeforeAll
  static void twoEqualDatabases() throws Exception {
    home = clusters.start("home");
    arm = clusters.start("arm");
    for (LocalCluster cluster : new LocalCluster[] {home, arm}) {
      cluster.createDatabase("game");
      try (Connection c = cluster.connect("game"); Statement s = c.createStatement()) {
        s.execute("CREATE TABLE trades (id bigint PRIMARY KEY, card text)");
        s.execute("INSERT INTO trades SELECT g, 'card-' || g FROM generate_series(1, 2000) g");
      }
    }
  }

  private Path plan() throws IOException {
    return Plans.minimal(dir.resolve("plan.yaml"), home.jdbcUrl("game"), arm.jdbcUrl("game"), LocalCluster.SUPERUSER);
  }

  @Test
  void localComparesInItsOwnProcessEqualThenDifferentNamingTheKey() throws Exception {
    Result same = Shipped.run(Shipped.env(null), CALL, "compare", plan().toString(), "--local");
    assertEquals(0, same.exitCode(), same.toString());
    assertTrue(same.out().contains("all 1 tables match"), same.toString());
    assertEquals("(comparing in this process (--local))\n", same.err());

    try (Connection c = arm.connect("game"); Statement s = c.createStatement()) {
      s.execute("UPDATE trades SET card = 'swapped' WHERE id = 1234");
    }
    try {
      Result different = Shipped.run(Shipped.env(null), CALL, "compare", plan().toString(), "--local", "--json");
      assertEquals(1, different.exitCode(), different.toString());
      JsonNode json = new ObjectMapper().readTree(different.out());
      assertFalse(json.path("allMatch").asBoolean(true), different.toString());
      assertEquals("public.trades", json.path("differences").path(0).path("table").asText(), different.toString());
      assertEquals("[\"1234\"]", json.path("differences").path(0).path("sourceKeys").toString(), different.toString());
    } finally {
      try (Connection c = arm.connect("game"); Statement s = c.createStatement()) {
        s.execute("UPDATE trades SET card = 'card-1234' WHERE id = 1234");
      }
    }
  }

  /** The default address with nothing listening there: the first thing a new user types. */
  @Test
  void withNothingAtTheDefaultAddressItComparesHere() throws Exception {
    assumeTrue(free(TemporalConnection.DEFAULT_ADDRESS), "something listens on the default Temporal address");
    Result same = Shipped.run(Shipped.env(null), CALL, "compare", plan().toString());
    assertEquals(0, same.exitCode(), same.toString());
    assertTrue(same.out().contains("all 1 tables match"), same.toString());
    assertEquals("(no Temporal service at " + TemporalConnection.DEFAULT_ADDRESS + ": comparing in this process)\n",
        same.err());
  }

  /** An address the user named is used or fails: it never silently compares somewhere else. */
  @Test
  void aNamedAddressWithNothingThereExitsFive() throws Exception {
    String nowhere = "127.0.0.1:" + Shipped.freePort();
    Result r = Shipped.run(Shipped.env(nowhere), CALL, "compare", plan().toString());
    assertEquals(5, r.exitCode(), r.toString());
    assertTrue(r.err().contains("Temporal is not answering at " + nowhere), r.toString());
  }

  private static boolean free(String address) {
    int port = Integer.parseInt(address.substring(address.indexOf(':') + 1));
    try (ServerSocket probe = new ServerSocket()) {
      probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
