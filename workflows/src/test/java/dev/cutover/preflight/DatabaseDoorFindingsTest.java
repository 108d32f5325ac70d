package dev.cutover.preflight;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.frontdoor.DatabaseDoorActivities.DoorCheck;
import dev.cutover.frontdoor.DatabaseDoorActivities.DoorState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What preflight says about a database door, from what its check saw. */
class DatabaseDoorFindingsTest {

  private static final DoorState AT_HOME = new DoorState("10.0.0.5", 5432, "game", false);

  @Test
  void transactionPoolingLeadingToTheSourceIsFine() {
    List<Finding> findings = PreflightFindings.databaseDoor(
        new DoorCheck(AT_HOME, true, "transaction", 120, "entry game leads to 10.0.0.5:5432/game"), "home");
    assertEquals(List.of(Finding.ok("database door", "entry game leads to 10.0.0.5:5432/game")), findings);
  }

  @Test
  void sessionPoolingIsSaidToBeUnableToHold() {
    List<Finding> findings = PreflightFindings.databaseDoor(new DoorCheck(AT_HOME, true, "session", 120, "d"), "home");
    assertEquals(1, findings.size());
    assertEquals(Finding.Severity.WARNING, findings.get(0).severity());
    assertTrue(findings.get(0).message().contains("an open session cannot be carried from one server to another"),
        findings.get(0).message());
  }

  @Test
  void anEntryLeadingElsewhereBlocksAndAShortWaitAndAPausedEntryWarn() {
    List<Finding> findings = PreflightFindings.databaseDoor(new DoorCheck(
        new DoorState("10.0.0.7", 5432, "game", true), false, "transaction", 10, "d"), "home");
    assertEquals(List.of(Finding.Severity.BLOCKING, Finding.Severity.WARNING, Finding.Severity.WARNING),
        findings.stream().map(Finding::severity).toList());
    assertTrue(findings.get(0).message().contains("leads to 10.0.0.7:5432/game, not to home's database"),
        findings.get(0).message());
    assertTrue(findings.get(2).message().contains("query_wait_timeout is 10 s"), findings.get(2).message());
  }
}
