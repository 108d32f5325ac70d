package dev.cutover.worker;

import dev.cutover.database.CopyActivities;
import dev.cutover.database.CopyActivitiesImpl;
import dev.cutover.database.DatabaseActivities;
import dev.cutover.database.DatabaseActivitiesImpl;
import dev.cutover.database.FingerprintActivitiesImpl;
import dev.cutover.frontdoor.DatabaseDoorActivities;
import dev.cutover.frontdoor.DatabaseDoorActivitiesImpl;
import dev.cutover.frontdoor.FrontDoorActivities;
import dev.cutover.frontdoor.FrontDoorActivitiesImpl;
import dev.cutover.hosts.HostActivities;
import dev.cutover.hosts.HostActivitiesImpl;
import dev.cutover.live.HealthActivities;
import dev.cutover.live.HealthActivitiesImpl;
import dev.cutover.preflight.ScheduleActivities;
import dev.cutover.preflight.ScheduleActivitiesImpl;
import dev.cutover.verify.FingerprintActivities;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The activity beans named in {@code application.yaml}; plain objects, built here and nowhere else. */
@Configuration(proxyBeanMethods = false)
public class ActivityConfiguration {

  @Bean
  DatabaseActivities databaseActivities() {
    return new DatabaseActivitiesImpl();
  }

  @Bean
  CopyActivities copyActivities() {
    return new CopyActivitiesImpl();
  }

  @Bean
  FingerprintActivities fingerprintActivities() {
    return new FingerprintActivitiesImpl();
  }

  @Bean
  HostActivities hostActivities() {
    return new HostActivitiesImpl();
  }

  @Bean
  FrontDoorActivities frontDoorActivities() {
    return new FrontDoorActivitiesImpl();
  }

  @Bean
  DatabaseDoorActivities databaseDoorActivities() {
    return new DatabaseDoorActivitiesImpl();
  }

  @Bean
  HealthActivities healthActivities() {
    return new HealthActivitiesImpl();
  }

  @Bean
  ScheduleActivities scheduleActivities() {
    return new ScheduleActivitiesImpl();
  }
}
