package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.plan.Database;
import org.junit.jupiter.api.Test;

class LogicalNamesTest {

  @Test
  void namesAreValidSlotNamesAndDistinctPerApp() {
    assertEquals("cutover_game", LogicalReplication.name("game"));
    assertEquals("cutover_world_cup_2026", LogicalReplication.name("world-cup-2026"));
    String a = LogicalReplication.name("a".repeat(63));
    String b = LogicalReplication.name("a".repeat(62) + "b");
    assertTrue(a.length() <= 63 && a.matches("[a-z0-9_]+"), a);
    assertNotEquals(a, b, "shortened names still differ");
  }

  @Test
  void conninfoQuotesEveryValueAndCarriesNoPassword() {
    Database source = new Database("jdbc:postgresql://10.0.0.5:5433/game", "o'brien\\x", "SRC_PGPASSWORD", null);
    assertEquals("host='10.0.0.5' port='5433' dbname='game' user='o\\'brien\\\\x' application_name='cutover_game'"
        + " connect_timeout='10'", LogicalReplication.conninfo(source, "cutover_game"));
  }
}
