package dev.cutover.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The fleet file: a good one, and each mistake with the file, line and YAML path the operator will see. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class FleetParserTest {

  /** Plan files by the path the fleet file lists them under; missing ones are "no such plan file". */
  private static PlanSource files(Map<String, String> files) {
    return path -> {
      String text = files.get(path);
      if (text == null) {
        throw new PlanSource.Unreadable("no such plan file");
      }
      return new PlanSource.Text("plans/" + path, text);
    };
  }

  private static String plan(String app, String database) {
    return Plans.minimalWith("app: game", "app: " + app, "/game\"", "/" + database + "\"", "/game\"", "/" + database + "\"");
  }

  private static final PlanSource SHOP = files(Map.of(
      "shop.yaml", plan("shop", "shop"), "blog.yaml", plan("blog", "blog"), "wiki.yaml", plan("wiki", "wiki"),
      "shop-again.yaml", plan("shop", "shop2")));

  private static List<String> errors(String yaml) {
    PlanException e = assertThrows(PlanException.class, () -> FleetParser.parse(yaml, "fleet.yaml", SHOP));
    return e.errors().stream().map(PlanError::toString).toList();
  }

  @Test
  void aGoodFleetListsItsPlansInOrderSharingBothServers() throws PlanException {
    Fleet fleet = FleetParser.parse(String.join("\n",
        "fleet: small-sites",
        "maxConcurrent: 2",
        "confirm: each",
        "plans: [shop.yaml, blog.yaml]",
        "", "") + "", "fleet.yaml", SHOP);

    assertEquals("small-sites", fleet.name());
    assertEquals(2, fleet.maxConcurrent());
    assertEquals(FleetConfirm.EACH, fleet.confirm());
    assertEquals(List.of("shop", "blog"), fleet.plans().stream().map(Plan::app).toList());
    assertEquals(fleet.plans().get(0).source().database().url().replace("/shop", ""),
        fleet.plans().get(1).source().database().url().replace("/blog", ""), "one source server, two databases");
    assertTrue(fleet.plans().get(1).target().database().url().endsWith(":5433/blog"));
  }

  @Test
  void withoutTheOptionalKeysOneAppAtATimeConfirmedAsABatch() throws PlanException {
    Fleet fleet = FleetParser.parse("fleet: f\nplans:\n  - wiki.yaml\n", "fleet.yaml", SHOP);
    assertEquals(1, fleet.maxConcurrent());
    assertEquals(FleetConfirm.BATCH, fleet.confirm());
    assertEquals(List.of("wiki"), fleet.plans().stream().map(Plan::app).toList());
  }

  @Test
  void aFleetFileIsToldApartFromAPlanByItsFleetKey() {
    assertTrue(FleetParser.isFleet("fleet: f\nplans: []\n"));
    assertFalse(FleetParser.isFleet(Plans.resource("minimal.yaml")));
    assertFalse(FleetParser.isFleet("not: [valid"));
    assertFalse(FleetParser.isFleet(""));
  }

  @Test
  void aMissingPlanFileNamesItsPathAndLine() {
    assertEquals(List.of("fleet.yaml:4: plans[1]: gone.yaml: no such plan file"),
        errors("fleet: f\nplans:\n  - shop.yaml\n  - gone.yaml\n"));
  }

  @Test
  void anAppListedTwiceNamesBothPlans() {
    assertEquals(List.of("fleet.yaml:3: plans[2]: app 'shop' is already in the fleet, from plans[0] (shop.yaml):"
        + " each app moves once per fleet"),
        errors("fleet: f\nmaxConcurrent: 3\nplans: [shop.yaml, blog.yaml, shop-again.yaml]\n"));
  }

  @Test
  void theSamePlanFileListedTwiceIsReported() {
    assertEquals(List.of("fleet.yaml:4: plans[1]: 'blog.yaml' is listed twice (first as plans[0])"),
        errors("fleet: f\nplans:\n  - blog.yaml\n  - blog.yaml\n"));
  }

  @Test
  void maxConcurrentBelowOneIsRefused() {
    assertEquals(List.of("fleet.yaml:2: maxConcurrent: must be at least 1 (how many apps may be past their confirm"
        + " gates at once)"), errors("fleet: f\nmaxConcurrent: 0\nplans: [shop.yaml]\n"));
    assertEquals(List.of("fleet.yaml:2: maxConcurrent: expected a whole number, found a string"),
        errors("fleet: f\nmaxConcurrent: three\nplans: [shop.yaml]\n"));
  }

  @Test
  void unknownKeysAreReportedAsThePlanParserDoes() {
    assertEquals(List.of(
        "fleet.yaml:2: maxConcurent: unknown key 'maxConcurent': did you mean 'maxConcurrent'?",
        "fleet.yaml:3: parallel: unknown key 'parallel' (known keys: fleet, maxConcurrent, confirm, plans)",
        "fleet.yaml:4: app: unknown key 'app': a fleet file lists plan files under 'plans'; an app's plan is a file"
            + " of its own"),
        errors("fleet: f\nmaxConcurent: 2\nparallel: 4\napp: shop\nplans: [shop.yaml]\n"));
  }

  @Test
  void confirmIsBatchOrEach() {
    assertEquals(List.of("fleet.yaml:2: confirm: unknown value 'all' (allowed: batch, each)"),
        errors("fleet: f\nconfirm: all\nplans: [shop.yaml]\n"));
  }

  @Test
  void theNameAndThePlansAreRequired() {
    assertEquals(List.of(
        "fleet.yaml:1: fleet: 'Small Sites' is not a valid fleet name: use 1 to 63 lowercase letters, digits and '-',"
            + " starting with a letter or digit (it names the workflow cutover-fleet-<name>)",
        "fleet.yaml:1: plans: missing required key 'plans' (a list of plan files, relative to the fleet file)"),
        errors("fleet: Small Sites\nmaxConcurrent: 1\n"));
    assertEquals(List.of("fleet.yaml:2: plans: lists no plan file: a fleet moves at least one app"),
        errors("fleet: f\nplans: []\n"));
    assertEquals(List.of("fleet.yaml:3: plans[0]: expected the path of a plan file, found a mapping"),
        errors("fleet: f\nplans:\n  - {app: shop}\n"));
  }

  @Test
  void anInvalidListedPlanReportsItsOwnErrorsInItsOwnFile() {
    PlanSource broken = files(Map.of("shop.yaml", plan("shop", "shop") + "copy: {jobs: [2]}\n"));
    PlanException e = assertThrows(PlanException.class,
        () -> FleetParser.parse("fleet: f\nplans: [shop.yaml]\n", "fleet.yaml", broken));
    assertEquals(List.of(
        "fleet.yaml:2: plans[0]: plans/shop.yaml: 1 error in the plan (listed below)",
        "plans/shop.yaml:10: copy.jobs: expected a whole number, found a list"),
        e.errors().stream().map(PlanError::toString).toList());
  }
}
