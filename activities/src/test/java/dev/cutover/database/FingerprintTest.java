package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.verify.FingerprintActivities.FingerprintRequest;
import dev.cutover.verify.FingerprintActivities.NarrowRequest;
import dev.cutover.verify.FingerprintActivities.TableDifference;
import dev.cutover.plan.Database;
import dev.cutover.plan.Verify;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.SharedClusters;
import dev.cutover.verify.Comparisons;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.KeyRange;
import dev.cutover.verify.TableComparison;
import dev.cutover.verify.TableFingerprint;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Fingerprints on a real cluster: each kind of difference is seen, and narrowed to the keys that differ. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class FingerprintTest {

  @RegisterExtension static final SharedClusters clusters = new SharedClusters();

  private static LocalCluster cluster;
  private static int run;
  // Small chunks, so a few thousand rows make hundreds of chunks.
  private final FingerprintActivitiesImpl fingerprints = new FingerprintActivitiesImpl(new Fingerprinter.Options(8));

  @BeforeAll
  static void startCluster() {
    cluster = clusters.home();
  }

  /** A source database and an identical copy of it (CREATE DATABASE ... TEMPLATE), as two sides. */
  private String[] pair(int rows) throws SQLException {
    run++;
    String source = "src" + run;
    String target = "tgt" + run;
    cluster.createDatabase(source);
    try (Connection c = cluster.connect(source); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE things (id int PRIMARY KEY, a text, b text, bin bytea, doc jsonb, amount numeric,"
          + " at timestamptz, tags text[])");
      s.execute("INSERT INTO things SELECT g, 'a' || g, 'b' || g, int4send(g), jsonb_build_object('k', g),"
          + " g / 7.0, '2026-06-11 18:00+00'::timestamptz + g * interval '1 minute', ARRAY['x' || g, 'y']"
          + " FROM generate_series(1, " + rows + ") g");
      s.execute("UPDATE things SET a = '' WHERE id = 5");
      s.execute("UPDATE things SET a = 'a,b', b = 'c' WHERE id = 3");
      s.execute("CREATE TABLE notes (note text, at timestamptz)");
      s.execute("INSERT INTO notes SELECT 'note ' || (g % 50), '2026-06-11 17:00+00' FROM generate_series(1, 200) g");
      s.execute("CREATE TABLE pairs (code text, n int, v text, PRIMARY KEY (code, n))");
      s.execute("INSERT INTO pairs SELECT chr(97 + g % 20), g, 'v' || g FROM generate_series(1, 300) g");
    }
    try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + target + " TEMPLATE " + source);
    }
    return new String[] {source, target};
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "one changed value         | things | UPDATE things SET b = 'B7' WHERE id = 7",
      "NULL instead of ''        | things | UPDATE things SET a = NULL WHERE id = 5",
      "a delimiter shift         | things | UPDATE things SET a = 'a', b = 'b,c' WHERE id = 3",
      "a missing row             | things | DELETE FROM things WHERE id = 9",
      "an extra row              | things | INSERT INTO things (id) VALUES (100000)",
      "a swapped pair of values  | things | UPDATE things SET b = CASE id WHEN 1 THEN 'b2' ELSE 'b1' END WHERE id IN (1, 2)",
      "a bytea                   | things | UPDATE things SET bin = set_byte(bin, 3, 255) WHERE id = 11",
      "a jsonb                   | things | UPDATE things SET doc = '{\"k\": 12.0}' WHERE id = 12",
      "a numeric's scale         | things | UPDATE things SET amount = 2.000 WHERE id = 14",
      "a timestamptz             | things | UPDATE things SET at = at + interval '1 microsecond' WHERE id = 15",
      "an array element          | things | UPDATE things SET tags[2] = 'z' WHERE id = 16",
      "a duplicated row, no key  | notes  | INSERT INTO notes SELECT * FROM notes LIMIT 1",
      "a composite text key      | pairs  | UPDATE pairs SET v = 'w' WHERE code = 'e' AND n = 4",
  })
  void everyKindOfDifferenceIsSeenInTheRightTableOnly(String what, String table, String change) throws SQLException {
    String[] dbs = pair(400);
    assertTrue(Comparisons.allMatch(compare(dbs)), "an untouched copy matches (control for " + what + ")");

    execute(dbs[1], change);

    List<TableComparison> differing = compare(dbs).stream().filter(t -> !t.matches()).toList();
    assertEquals(List.of("public." + table), differing.stream().map(TableComparison::table).toList(), what);
    assertFalse(differing.get(0).differingRanges().isEmpty(), what + ": the differing key ranges are named");
  }

  @Test
  void hashesDoNotDependOnTheSessionsTimeZoneOrDateStyle() throws SQLException {
    String[] dbs = pair(50);
    execute("postgres", "ALTER DATABASE " + dbs[1] + " SET TimeZone = 'Asia/Tokyo'");
    execute("postgres", "ALTER DATABASE " + dbs[1] + " SET DateStyle = 'SQL, DMY'");

    assertTrue(Comparisons.allMatch(compare(dbs)), compare(dbs).toString());
  }

  @Test
  void aMismatchIsNarrowedToItsKeyRangesAndKeysAndRowsOnlyWhenAsked() throws SQLException {
    String[] dbs = pair(3000);
    execute(dbs[1], "UPDATE things SET b = 'changed' WHERE id = 1234");
    execute(dbs[1], "DELETE FROM things WHERE id = 1500");
    execute(dbs[1], "INSERT INTO things (id, a) VALUES (5000, 'new')");

    TableFingerprint sourceThings = fingerprint(dbs[0]).tables().stream()
        .filter(t -> t.table().equals("public.things")).findFirst().orElseThrow();
    TableComparison things = compare(dbs).stream().filter(t -> t.table().equals("public.things")).findFirst().orElseThrow();
    assertFalse(things.matches());
    assertTrue(sourceThings.chunks().size() > 100, "many chunks: " + sourceThings.chunks().size());
    // Content-defined chunks: a missing row disturbs its own chunk, not every chunk after it.
    assertTrue(things.differingRanges().size() <= 8, things.differingRanges().toString());
    for (int key : new int[] {1234, 1500, 5000}) {
      assertTrue(things.differingRanges().stream().anyMatch(r -> covers(r, key)), key + " in " + things.differingRanges());
    }
    assertTrue(things.difference().contains("key ranges"), things.difference());

    TableDifference quiet = fingerprints.narrow(narrow(dbs, "things", things.differingRanges(), false));
    assertEquals("public.things", quiet.table());
    assertEquals(List.of("1234", "1500"), quiet.sourceKeys());
    assertEquals(List.of("1234", "5000"), quiet.targetKeys());
    assertTrue(quiet.sourceRows().isEmpty() && quiet.targetRows().isEmpty(), "no rows unless asked");
    assertFalse(quiet.truncated());

    TableDifference shown = fingerprints.narrow(narrow(dbs, "things", things.differingRanges(), true));
    assertTrue(shown.targetRows().get("1234").contains("changed"), shown.targetRows().toString());
    assertTrue(shown.sourceRows().get("1234").contains("b1234"), shown.sourceRows().toString());
    assertTrue(shown.targetRows().get("5000").contains("new"), shown.targetRows().toString());
  }

  @Test
  void aCompositeTextKeyAndADuplicateWithoutAKeyAreNarrowedToo() throws SQLException {
    String[] dbs = pair(10);
    execute(dbs[1], "UPDATE pairs SET v = 'w' WHERE code = 'e' AND n = 24");
    execute(dbs[1], "INSERT INTO notes VALUES ('note 7', '2026-06-11 17:00+00')");
    List<TableComparison> comparison = compare(dbs);

    TableComparison pairs = comparison.stream().filter(t -> t.table().equals("public.pairs")).findFirst().orElseThrow();
    TableDifference p = fingerprints.narrow(narrow(dbs, "pairs", pairs.differingRanges(), false));
    assertEquals(List.of("(e, 24)"), p.sourceKeys());
    assertEquals(List.of("(e, 24)"), p.targetKeys());

    TableComparison notes = comparison.stream().filter(t -> t.table().equals("public.notes")).findFirst().orElseThrow();
    TableDifference n = fingerprints.narrow(narrow(dbs, "notes", notes.differingRanges(), true));
    assertEquals(List.of(), n.sourceKeys());
    assertEquals(1, n.targetKeys().size(), n.toString());
    assertTrue(n.targetRows().values().iterator().next().contains("note 7"), n.toString());
  }

  @Test
  void rowsAreStreamedInTinyChunksAndValuesLargerThanAnyBufferHashTheSame() throws SQLException {
    String[] dbs = pair(20);
    String big = "repeat('0123456789', 100000)";
    execute(dbs[0], "INSERT INTO things (id, a) VALUES (999, " + big + ")");
    execute(dbs[1], "INSERT INTO things (id, a) VALUES (999, " + big + ")");
    execute(dbs[0], "CREATE TABLE many AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g");
    execute(dbs[1], "CREATE TABLE many AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g");
    execute(dbs[1], "CREATE TABLE same AS SELECT 'all alike'::text AS v FROM generate_series(1, 5000)");

    DatabaseFingerprint source = fingerprint(dbs[0]);
    DatabaseFingerprint target = fingerprint(dbs[1]);

    TableComparison things = Comparisons.compare(source, target).stream()
        .filter(t -> t.table().equals("public.things")).findFirst().orElseThrow();
    assertTrue(things.matches(), things.toString());
    TableFingerprint many = target.tables().stream().filter(t -> t.table().equals("public.many")).findFirst().orElseThrow();
    assertEquals(20000, many.rows());
    assertTrue(many.chunks().size() > 1000, "chunks of about 8 rows: " + many.chunks().size());
    assertEquals(20000, many.chunks().stream().mapToLong(c -> c.rows()).sum());
    assertTrue(source.bytesHashed() > 1_000_000, "the 1 MB value was read: " + source.bytesHashed());
    TableFingerprint same = target.tables().stream().filter(t -> t.table().equals("public.same")).findFirst().orElseThrow();
    assertEquals(1, same.chunks().size(), "identical rows never split a chunk");
  }

  private static boolean covers(KeyRange range, int key) {
    return Integer.parseInt(range.first().get(0)) <= key && key <= Integer.parseInt(range.last().get(0));
  }

  private List<TableComparison> compare(String[] dbs) {
    return Comparisons.compare(fingerprint(dbs[0]), fingerprint(dbs[1]));
  }

  private DatabaseFingerprint fingerprint(String database) {
    return fingerprints.fingerprint(new FingerprintRequest("box", db(database), Verify.ALL));
  }

  private NarrowRequest narrow(String[] dbs, String table, List<KeyRange> ranges, boolean showRows) {
    return new NarrowRequest("home", db(dbs[0]), "arm", db(dbs[1]), table, ranges, 10, showRows);
  }

  private static Database db(String database) {
    return new Database(cluster.jdbcUrl(database), LocalCluster.SUPERUSER, null, null);
  }

  private static void execute(String database, String sql) throws SQLException {
    try (Connection c = cluster.connect(database); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
