package dev.cutover.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.cli.EmbeddedTemporal;
import dev.cutover.database.CopyActivities;
import dev.cutover.database.CopyActivitiesImpl;
import dev.cutover.testing.LocalCluster;
import dev.cutover.plan.Copy;
import dev.cutover.plan.Database;
import dev.cutover.testing.PostgresClusters;
import dev.cutover.testing.SampleSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** `cutover compare`: both databases fingerprinted now through the worker; exit 0 equal, 1 different, keys named. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CompareCommandTest {

  @RegisterExtension static final PostgresClusters clusters = new PostgresClusters();
  @TempDir Path dir;

  @Test
  void equalDatabasesExitZeroAndOneChangedRowExitsOneNamingItsKey() throws Exception {
    LocalCluster home = clusters.start("home");
    LocalCluster arm = clusters.start("arm");
    home.createDatabase("game");
    try (Connection c = home.connect("game"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE trades (id bigint PRIMARY KEY, card text, note text)");
      s.execute("INSERT INTO trades SELECT g, 'card-' || g, 'secret note ' || g FROM generate_series(1, 5000) g");
    }
    Database source = new Database(home.jdbcUrl("game"), LocalCluster.SUPERUSER, null, null);
    Database target = new Database(arm.jdbcUrl("game"), LocalCluster.SUPERUSER, null, null);
    CopyActivitiesImpl db = new CopyActivitiesImpl();
    db.copy(new CopyActivities.CopyRequest("game", "m1", "home", source, "arm", target, Copy.DEFAULT));
    Path plan = dir.resolve("plan.yaml");
    Files.writeString(plan, String.join("\n",
        "app: game",
        "source: {name: home, database: {url: \"" + source.url() + "\", user: cutover}}",
        "target: {name: arm, database: {url: \"" + target.url() + "\", user: cutover}}",
        "frontDoor: {type: command, switch: [\"true\"], revert: [\"true\"]}",
        "health: {url: \"http://127.0.0.1:1/healthz\"}", ""));

    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(0);
        PlainWorker worker = new PlainWorker(temporal.address(), db)) {
      Cli same = Cli.run("compare", plan.toString(), "--address", temporal.address());
      assertEquals(0, same.exitCode(), same.out() + same.err());
      assertTrue(same.out().contains("all 1 tables match"), same.out());

      try (Connection c = arm.connect("game"); Statement s = c.createStatement()) {
        s.execute("SET default_transaction_read_only = off");
        s.execute("UPDATE trades SET card = 'swapped' WHERE id = 4242");
      }
      Cli different = Cli.run("compare", plan.toString(), "--address", temporal.address());

      assertEquals(1, different.exitCode(), different.out() + different.err());
      assertTrue(different.out().contains("DIFFERS"), different.out());
      assertTrue(different.out().contains("differing keys in public.trades: on home [4242], on arm [4242]"), different.out());
      assertFalse(different.out().contains("secret note"), "rows are shown only with --show-rows");

      Cli rows = Cli.run("compare", plan.toString(), "--show-rows", "--address", temporal.address());
      assertEquals(1, rows.exitCode());
      assertTrue(rows.out().contains("secret note 4242"), rows.out());
    }
  }

  /**
   * Each kind of object beyond table rows, changed on the target behind the copy's back, makes compare exit 1
   * and names it; the unchanged copy exits 0 on three runs in a row. copy.owner: keep, so grants count.
   */
  @Test
  void eachKindOfObjectChangedOnTheTargetExitsOneNamingIt() throws Exception {
    LocalCluster home = clusters.start("home");
    LocalCluster arm = clusters.start("arm");
    home.createDatabase("shop", c -> SampleSchema.create(c, true));
    try (Connection c = arm.connect("postgres"); Statement s = c.createStatement()) {
      s.execute("CREATE ROLE " + SampleSchema.READER);
    }
    Database source = home.database("shop");
    CopyActivitiesImpl db = new CopyActivitiesImpl();
    Copy keep = new Copy(Copy.Strategy.DUMP_RESTORE, 1, Copy.Owner.KEEP);
    String[][] mutations = {
        {"SELECT setval('invoice_numbers', 9000)",
            "differs: sequence public.invoice_numbers: is_called false on home, true on arm; last_value 5000 on home, 9000 on arm"},
        {"SELECT lo_put(logo, 0, '\\x00') FROM store WHERE store_id = 1", "differs: large object "},
        {"DROP TRIGGER film_fulltext_trigger ON film", "differs: trigger film_fulltext_trigger on public.film: missing on arm"},
        {"ALTER TABLE film DISABLE TRIGGER last_updated",
            "differs: trigger last_updated on public.film: state enabled on home, disabled on arm"},
        {"DROP INDEX film_title_idx", "differs: index public.film_title_idx: missing on arm"},
        {"ALTER TABLE film DROP CONSTRAINT film_rate_positive",
            "differs: constraint film_rate_positive on public.film: missing on arm"},
        {"REVOKE SELECT ON film FROM " + SampleSchema.READER, "differs: table public.film: acl "},
        {"REFRESH MATERIALIZED VIEW sales_by_category WITH NO DATA",
            "differs: materialized view public.sales_by_category: content missing on arm; populated true on home, false on arm"},
    };
    try (EmbeddedTemporal temporal = EmbeddedTemporal.start(0);
        PlainWorker worker = new PlainWorker(temporal.address(), db)) {
      for (int i = 0; i < mutations.length; i++) {
        Database target = arm.database("shop" + i);
        db.copy(new CopyActivities.CopyRequest("shop" + i, "m" + i, "home", source, "arm", target, keep));
        Path plan = dir.resolve("plan" + i + ".yaml");
        Files.writeString(plan, String.join("\n",
            "app: shop" + i,
            "source: {name: home, database: {url: \"" + source.url() + "\", user: cutover}}",
            "target: {name: arm, database: {url: \"" + target.url() + "\", user: cutover}}",
            "copy: {strategy: dump-restore, jobs: 1, owner: keep}",
            "frontDoor: {type: command, switch: [\"true\"], revert: [\"true\"]}",
            "health: {url: \"http://127.0.0.1:1/healthz\"}", ""));
        for (int run = 0; run < (i == 0 ? 3 : 1); run++) {
          Cli same = Cli.run("compare", plan.toString(), "--address", temporal.address());
          assertEquals(0, same.exitCode(), "unchanged, run " + run + ": " + same.out() + same.err());
          assertTrue(same.out().contains("objects besides the tables' rows compared"), same.out());
          assertFalse(same.out().contains("differs:"), same.out());
        }
        try (Connection c = arm.connect("shop" + i); Statement s = c.createStatement()) {
          s.execute("SET default_transaction_read_only = off");
          s.execute(mutations[i][0]);
        }
        Cli different = Cli.run("compare", plan.toString(), "--address", temporal.address());
        assertEquals(1, different.exitCode(), mutations[i][0] + ": " + different.out() + different.err());
        assertTrue(different.out().contains(mutations[i][1]), mutations[i][0] + ": " + different.out());
      }
    }
  }
}
