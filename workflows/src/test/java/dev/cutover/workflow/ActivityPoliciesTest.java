package dev.cutover.workflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.database.CopyActivities;
import dev.cutover.database.DatabaseActivities;
import dev.cutover.frontdoor.FrontDoorActivities;
import dev.cutover.hosts.HostActivities;
import dev.cutover.live.HealthActivities;
import dev.cutover.preflight.ScheduleActivities;
import dev.cutover.verify.FingerprintActivities;
import io.temporal.activity.ActivityOptions;
import io.temporal.common.metadata.POJOActivityInterfaceMetadata;
import io.temporal.common.metadata.POJOActivityMethodMetadata;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A policy keyed by a name no activity has is silently never used (the activity then runs on the defaults):
 * every key must be an activity type of the interface its map is for, as the SDK names them.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ActivityPoliciesTest {

  private static final Map<Class<?>, Map<String, ActivityOptions>> POLICIES = Map.of(
      DatabaseActivities.class, ActivityPolicies.DATABASE,
      CopyActivities.class, ActivityPolicies.COPY,
      FingerprintActivities.class, ActivityPolicies.FINGERPRINT,
      HostActivities.class, ActivityPolicies.HOSTS,
      FrontDoorActivities.class, ActivityPolicies.FRONT_DOOR,
      dev.cutover.frontdoor.DatabaseDoorActivities.class, ActivityPolicies.DATABASE_DOOR,
      HealthActivities.class, ActivityPolicies.HEALTH,
      ScheduleActivities.class, ActivityPolicies.SCHEDULE);

  @Test
  void everyPolicyKeyIsAnActivityTypeOfItsInterface() {
    for (Map.Entry<Class<?>, Map<String, ActivityOptions>> e : POLICIES.entrySet()) {
      Set<String> types = types(e.getKey());
      Set<String> unknown = new TreeSet<>(e.getValue().keySet());
      unknown.removeAll(types);
      assertEquals(Set.of(), unknown, e.getKey().getSimpleName() + " has no activity of that type; its types: " + types);
    }
  }

  @Test
  void noTwoInterfacesShareAnActivityType() {
    Set<String> seen = new TreeSet<>();
    for (Class<?> activities : POLICIES.keySet()) {
      for (String type : types(activities)) {
        assertTrue(seen.add(type), type + " is in two interfaces: one worker could not register both");
      }
    }
  }

  @Test
  void everyOuterLimitIsItsInnerOnePlusRoomToReport() {
    assertOuter(ActivityPolicies.COMMAND, ActivityPolicies.HOSTS.get("Run"));
    assertOuter(ActivityPolicies.STATE_CHECK, ActivityPolicies.HOSTS.get("VerifyState"));
    for (String inspection : new String[] {"ConfigKeys", "Architecture", "DiskRoom", "PendingMigrations"}) {
      assertOuter(ActivityPolicies.INSPECTION, ActivityPolicies.HOSTS.get(inspection));
    }
    assertOuter(ActivityPolicies.PROBE, ActivityPolicies.probe("cutover-box"));
    assertOuter(ActivityPolicies.INITIAL_COPY, ActivityPolicies.COPY.get("AwaitInitialCopy"));
    assertOuter(ActivityPolicies.CATCH_UP, ActivityPolicies.COPY.get("CatchUp"));
    assertOuter(ActivityPolicies.PAUSE, ActivityPolicies.DATABASE_DOOR.get("DatabaseDoorHold"));
  }

  private static void assertOuter(ActivityPolicies.Limit limit, ActivityOptions options) {
    Duration startToClose = options.getStartToCloseTimeout();
    assertEquals(limit.outer(), startToClose);
    assertTrue(startToClose.compareTo(limit.inner()) > 0, "the attempt must outlast the activity's own limit");
  }

  private static Set<String> types(Class<?> activities) {
    Set<String> types = new TreeSet<>();
    for (POJOActivityMethodMetadata method : POJOActivityInterfaceMetadata.newInstance(activities).getMethodsMetadata()) {
      types.add(method.getActivityTypeName());
    }
    return types;
  }
}
