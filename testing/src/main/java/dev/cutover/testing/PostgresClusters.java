package dev.cutover.testing;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Throwaway PostgreSQL clusters for a test class: {@code @RegisterExtension static final
 * PostgresClusters clusters = new PostgresClusters();} then {@code clusters.start("home")}. Every cluster
 * started is stopped and deleted after the class, whether its tests passed or failed.
 */
public final class PostgresClusters implements AfterAllCallback {

  private final List<LocalCluster> started = new ArrayList<>();

  public synchronized LocalCluster start(String name) {
    return start(name, "logical");
  }

  public synchronized LocalCluster start(String name, String walLevel) {
    LocalCluster cluster = LocalCluster.start(name, walLevel);
    started.add(cluster);
    return cluster;
  }

  /** This class's "home" cluster, started on first use. */
  public synchronized LocalCluster home() {
    return named("home");
  }

  /** This class's "arm" cluster, started on first use. */
  public synchronized LocalCluster arm() {
    return named("arm");
  }

  private LocalCluster named(String name) {
    return started.stream().filter(c -> c.name().equals(name)).findFirst().orElseGet(() -> start(name));
  }

  @Override
  public synchronized void afterAll(ExtensionContext context) {
    for (LocalCluster cluster : started) {
      cluster.close();
    }
    started.clear();
  }
}
