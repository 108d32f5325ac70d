package dev.cutover.worker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The cutover worker: polls the {@code cutover} task queue and runs the workflow and its activities.
 * Which workflows and activities it registers is spelled out in {@code application.yaml}.
 */
@SpringBootApplication
public class WorkerApplication {

  public static void main(String[] args) {
    SpringApplication.run(WorkerApplication.class, args);
  }
}
