package dev.cutover.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Two throwaway clusters, "home" and "arm" (wal_level logical), started once for all the test classes of a
 * test run that ask for them, and stopped and deleted when the run ends: {@code @RegisterExtension static
 * final SharedClusters clusters = new SharedClusters();} then {@code clusters.home()}. Safe only for a test
 * that works in databases of names no other class uses and counts nothing server-wide; one that stops,
 * kills or reconfigures a server, or counts its slots or subscriptions, starts its own with {@link
 * PostgresClusters}.
 */
public final class SharedClusters implements BeforeAllCallback {

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedClusters.class);

  private Pair pair;

  @Override
  public void beforeAll(ExtensionContext context) {
    // The root context's store is closed once, after the last test of the run.
    pair = context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(Pair.class, k -> new Pair(), Pair.class);
  }

  public LocalCluster home() {
    return pair.get(0, "home");
  }

  public LocalCluster arm() {
    return pair.get(1, "arm");
  }

  /** Started on first use, so a class that needs one cluster does not start both. */
  private static final class Pair implements ExtensionContext.Store.CloseableResource {
    private final LocalCluster[] clusters = new LocalCluster[2];

    synchronized LocalCluster get(int index, String name) {
      if (clusters[index] == null) {
        clusters[index] = LocalCluster.start("shared-" + name);
      }
      return clusters[index];
    }

    @Override
    public synchronized void close() {
      for (LocalCluster cluster : clusters) {
        if (cluster != null) {
          cluster.close();
        }
      }
    }
  }
}
