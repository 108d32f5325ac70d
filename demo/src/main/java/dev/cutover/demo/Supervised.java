package dev.cutover.demo;

/**
 * Something on a box that the move stops and starts: the app, a job, a writer. {@link #stop()} returns
 * only once the service can no longer write, so the plan's stop command means what it says.
 */
public interface Supervised {

  String name();

  void start();

  void stop();

  boolean running();
}
