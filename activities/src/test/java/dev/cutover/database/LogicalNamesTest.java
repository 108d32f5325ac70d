package dev.cutover.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.database.CopyActivities.LogicalLag;
import dev.cutover.database.CopyActivities.LogicalRequest;
import dev.cutover.database.CopyActivities.LogicalWaitRequest;
import dev.cutover.plan.Copy;
import dev.cutover.plan.Database;
import io.temporal.common.converter.DataConverter;
import io.temporal.common.converter.DefaultDataConverter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogicalNamesTest {

  @Test
  void namesAreValidSlotNamesAndDistinctPerApp() {
    assertEquals("cutover_game", ReplicationNames.copy("game"));
    assertEquals("cutover_world_cup_2026", ReplicationNames.copy("world-cup-2026"));
    String a = ReplicationNames.copy("a".repeat(63));
    String b = ReplicationNames.copy("a".repeat(62) + "b");
    assertTrue(a.length() <= 63 && a.matches("[a-z0-9_]+"), a);
    assertNotEquals(a, b, "shortened names still differ");
  }

  @Test
  void conninfoQuotesEveryValueAndCarriesNoPassword() {
    Database source = new Database("jdbc:postgresql://10.0.0.5:5433/game", "o'brien\\x", "SRC_PGPASSWORD", null);
    assertEquals("host='10.0.0.5' port='5433' dbname='game' user='o\\'brien\\\\x' application_name='cutover_game'"
        + " connect_timeout='10'", ReplicationStart.conninfo(source, "cutover_game"));
  }

  @Test
  void requestsAndResultsSurviveTemporalsConverter() {
    DataConverter converter = DefaultDataConverter.STANDARD_INSTANCE;
    LogicalWaitRequest wait = new LogicalWaitRequest(new LogicalRequest("game", "run-1", "home",
        new Database("jdbc:postgresql://h/game", "u", null, null), "arm",
        new Database("jdbc:postgresql://a/game", "u", null, null),
        new Copy(Copy.Strategy.LOGICAL, 1, Copy.Owner.TARGET_USER, true)), Duration.ofMinutes(3));
    assertEquals(wait, converter.fromPayload(converter.toPayload(wait).orElseThrow(), LogicalWaitRequest.class,
        LogicalWaitRequest.class));
    LogicalLag lag = new LogicalLag(true, 7, Map.of("ready", 6, "copying", 1), List.of("game.players"), "0/1",
        "0/0", 1L, null, 0, false);
    assertEquals(lag, converter.fromPayload(converter.toPayload(lag).orElseThrow(), LogicalLag.class, LogicalLag.class));
  }
}
