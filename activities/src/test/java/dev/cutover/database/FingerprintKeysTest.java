package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.SharedClusters;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Keys printed here from their binary values give exactly the chunks and hash of keys the server prints as
 * text, for every key type printed here, including a row too big for one message.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FingerprintKeysTest {

  @RegisterExtension static final SharedClusters clusters = new SharedClusters();

  private static LocalCluster cluster;

  @BeforeAll
  static void startCluster() throws SQLException {
    cluster = clusters.home();
    cluster.createDatabase("keys");
    try (Connection c = cluster.connect("keys"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE small (k smallint PRIMARY KEY, v text)");
      s.execute("INSERT INTO small SELECT g, 'v' || g FROM generate_series(-3000, 3000) g");
      s.execute("CREATE TABLE medium (k int PRIMARY KEY, v text)");
      s.execute("INSERT INTO medium SELECT g * 7919 - 2000000000, NULL FROM generate_series(0, 5000) g");
      s.execute("CREATE TABLE wide (k bigint PRIMARY KEY, v text)");
      s.execute("INSERT INTO wide SELECT g * 1000000000000 - 9223372036854775807, repeat('x', g % 7)"
          + " FROM generate_series(0, 5000) g");
      s.execute("INSERT INTO wide VALUES (9223372036854775807, repeat('0123456789', 100000))");
      s.execute("CREATE TABLE words (k text PRIMARY KEY, n int)");
      s.execute("INSERT INTO words SELECT 'wört ' || g || ' ☃', g FROM generate_series(1, 5000) g");
      s.execute("CREATE TABLE names (k varchar(40) PRIMARY KEY)");
      s.execute("INSERT INTO names SELECT 'n' || g FROM generate_series(1, 5000) g");
      s.execute("CREATE TABLE ids (k uuid PRIMARY KEY, n int)");
      s.execute("INSERT INTO ids SELECT md5(g::text)::uuid, g FROM generate_series(1, 5000) g");
      s.execute("CREATE TABLE pairs (v text, code text, n int, PRIMARY KEY (code, n))");
      s.execute("INSERT INTO pairs SELECT 'v', 'c' || g % 30, g FROM generate_series(1, 5000) g");
      s.execute("CREATE TABLE amounts (k numeric PRIMARY KEY)");
      s.execute("INSERT INTO amounts SELECT g / 8.0 FROM generate_series(1, 500) g");
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"small, true", "medium, true", "wide, true", "words, true", "names, true", "ids, true", "pairs, true",
      "amounts, false"})
  void keysPrintedHereHashAsKeysPrintedByTheServer(String table, boolean printedHere) throws SQLException {
    try (Connection c = cluster.connect("keys")) {
      Snapshots.snapshot(c);
      Layout layout = Catalog.layout(c, Catalog.table(c, table));
      if (!printedHere) {
        assertNull(layout.binaryKeys(), "numeric keys are printed by the server");
        return;
      }
      assertNotNull(layout.binaryKeys());
      Chunker server = new Chunker(8, layout.descriptor());
      BinaryCopy.stream(c, layout.select(null), layout.keyFields(), server::row);
      server.finish();
      Chunker here = new Chunker(8, layout.descriptor());
      BinaryCopy.stream(c, layout.selectColumns(null), layout.binaryKeys(), here::row);
      here.finish();
      c.rollback();

      assertTrue(server.chunks.size() > 100, "many chunks: " + server.chunks.size());
      assertEquals(server.chunks, here.chunks);
      assertEquals(server.tableHash(), here.tableHash());
    }
  }
}
