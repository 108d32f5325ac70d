package dev.cutover.demo;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the cutover checkout is: its scripts, examples and docs. */
public final class Checkout {

  private Checkout() {}

  /** {@code ./cutover} passes the checkout's root; tests run from a module directory below it. */
  public static Path root() {
    String home = System.getProperty("cutover.home");
    if (home != null) {
      return Path.of(home);
    }
    Path here = Path.of("").toAbsolutePath();
    return Files.exists(here.resolve("examples")) ? here : here.getParent();
  }
}
