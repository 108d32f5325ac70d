package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.plan.Verify;
import dev.cutover.testing.LocalCluster;
import dev.cutover.testing.SampleSchema;
import dev.cutover.testing.SharedClusters;
import dev.cutover.verify.Comparisons;
import dev.cutover.verify.DatabaseFingerprint;
import dev.cutover.verify.FingerprintActivities.FingerprintRequest;
import dev.cutover.verify.ObjectComparisons;
import dev.cutover.verify.ObjectDifference;
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

/**
 * The proof beyond table rows, on the sample schema and an exact copy of it (CREATE DATABASE ... TEMPLATE):
 * each kind of object changed on the copy is named with how it differs, while every table still matches.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ObjectProofTest {

  @RegisterExtension static final SharedClusters clusters = new SharedClusters();

  private static LocalCluster cluster;
  private static int run;
  private final FingerprintActivitiesImpl fingerprints = new FingerprintActivitiesImpl();

  @BeforeAll
  static void sample() throws SQLException {
    cluster = clusters.home();
    cluster.createDatabase("proof_source");
    try (Connection c = cluster.connect("proof_source")) {
      SampleSchema.create(c, true);
    }
  }

  private String copy() throws SQLException {
    String name = "proof_copy" + ++run;
    try (Connection c = cluster.connect("postgres"); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name + " TEMPLATE proof_source");
    }
    return name;
  }

  private DatabaseFingerprint fingerprint(String box, String db) {
    return fingerprints.fingerprint(new FingerprintRequest(box, cluster.database(db), Verify.ALL, true, true));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "a sequence advanced     | SELECT setval('invoice_numbers', 9000)"
          + " | sequence public.invoice_numbers: is_called false on home, true on arm; last_value 5000 on home, 9000 on arm",
      "a sequence reset        | SELECT setval('film_film_id_seq', 1)"
          + " | sequence public.film_film_id_seq: last_value 1000 on home, 1 on arm",
      "a large object changed  | SELECT lo_put(logo, 0, '\\x00') FROM store WHERE store_id = 1"
          + " | large object ",
      "a large object's owner  | DO $$ BEGIN EXECUTE format('ALTER LARGE OBJECT %s OWNER TO sample_reader', (SELECT logo FROM store WHERE store_id = 2)); END $$"
          + " | owner cutover on home, sample_reader on arm",
      "a trigger dropped       | DROP TRIGGER film_fulltext_trigger ON film"
          + " | trigger film_fulltext_trigger on public.film: missing on arm",
      "a trigger disabled      | ALTER TABLE film DISABLE TRIGGER last_updated"
          + " | trigger last_updated on public.film: state enabled on home, disabled on arm",
      "an index dropped        | DROP INDEX film_title_idx"
          + " | index public.film_title_idx: missing on arm",
      "a constraint dropped    | ALTER TABLE film DROP CONSTRAINT film_rate_positive"
          + " | constraint film_rate_positive on public.film: missing on arm",
      "a grant revoked         | REVOKE SELECT ON film FROM sample_reader"
          + " | table public.film: acl cutover=arwdDxt/cutover,sample_reader=r/cutover on home, cutover=arwdDxt/cutover on arm",
      "a matview unpopulated   | REFRESH MATERIALIZED VIEW sales_by_category WITH NO DATA"
          + " | materialized view public.sales_by_category: content missing on arm; populated true on home, false on arm",
      "a function changed      | CREATE OR REPLACE FUNCTION film_in_stock(p_film_id int) RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT true $$"
          + " | function public.film_in_stock(p_film_id integer): definition differs",
      "a default changed       | ALTER TABLE film ALTER rental_rate SET DEFAULT 1"
          + " | table public.film: column rental_rate 6: numeric(4,2) not null default 4.99 on home, 6: numeric(4,2) not null default 1 on arm",
      "a policy dropped        | DROP POLICY staff_own_store ON staff"
          + " | policy staff_own_store on public.staff: missing on arm",
      "a replica identity      | ALTER TABLE rental_log REPLICA IDENTITY FULL"
          + " | table public.rental_log: replica identity default on home, full on arm",
      "an enum value added     | ALTER TYPE mpaa_rating ADD VALUE 'X'"
          + " | enum public.mpaa_rating: definition 'G', 'PG', 'PG-13', 'R', 'NC-17' on home, 'G', 'PG', 'PG-13', 'R', 'NC-17', 'X' on arm",
  })
  void eachKindOfObjectChangedOnTheTargetIsNamed(String what, String change, String named) throws SQLException {
    String target = copy();
    try (Connection c = cluster.connect(target); Statement s = c.createStatement()) {
      s.execute(change);
    }
    DatabaseFingerprint home = fingerprint("home", "proof_source");
    DatabaseFingerprint arm = fingerprint("arm", target);
    List<String> differences = ObjectComparisons.compare(home, arm).stream().map(ObjectDifference::describe).toList();
    assertTrue(differences.stream().anyMatch(d -> d.contains(named)), what + ": " + differences);
    if (!what.contains("matview") && !what.contains("large object changed")) {
      assertTrue(Comparisons.allMatch(Comparisons.compare(home, arm)), "the rows alone do not see it: " + what);
    }
  }

  @Test
  void theSecondConnectionReadsTheObjectsAsTheFirstWouldAndWithoutItTheFirstDoes() throws SQLException {
    // Two connections: the second reads the objects while the first plans the tables. One (the second
    // cannot connect): the first reads them after its tables. Either way the same objects, the same hashes.
    DatabaseFingerprint two = direct(() -> cluster.connect("proof_source"));
    DatabaseFingerprint one = direct(() -> {
      throw new SQLException("too many clients already");
    });

    assertTrue(two.objects().size() > 20, two.objects().toString());
    assertEquals(two.objects(), one.objects());
    assertEquals(two.tables(), one.tables());
    assertEquals(two.bytesHashed(), one.bytesHashed());
  }

  private static DatabaseFingerprint direct(Fingerprinter.Opener more) throws SQLException {
    try (Connection c = cluster.connect("proof_source")) {
      return Fingerprinter.fingerprint(c, more, "home", Verify.ALL, true, true, Fingerprinter.Options.DEFAULT,
          line -> { });
    }
  }

  @Test
  void unchangedSidesAgreeOnEveryRunAndTheObjectsCostLittle() throws SQLException {
    String target = copy();
    for (int i = 0; i < 3; i++) {
      DatabaseFingerprint home = fingerprint("home", "proof_source");
      DatabaseFingerprint arm = fingerprint("arm", target);
      assertEquals(List.of(), ObjectComparisons.compare(home, arm), "run " + i);
      assertTrue(home.objects().size() > 40, home.objects().toString());
    }
    try (Connection c = cluster.connect("proof_source")) {
      long started = System.nanoTime();
      int n = SchemaObjects.read(c, true, Fingerprinter.rowHasher(Fingerprinter.Options.DEFAULT, new long[1])).size();
      System.out.printf("objects of the sample schema: %d in %d ms%n", n, (System.nanoTime() - started) / 1_000_000);
    }
  }
}
