package dev.cutover.realapps;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The Debian packages an app needs, checked before a test builds anything, with the fix in the message. */
final class Packages {

  private Packages() {}

  static void require(String app, List<String> packages) {
    List<String> missing = new ArrayList<>();
    for (String p : packages) {
      if (!installed(p)) {
        missing.add(p);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalStateException(app + " needs the Debian packages " + missing + ", which are not installed:"
          + " run scripts/prerequisites test as root (Maven runs it before the tests)");
    }
  }

  private static boolean installed(String p) {
    try {
      Process q = new ProcessBuilder("dpkg-query", "-W", "-f=${Status}", p).redirectErrorStream(true).start();
      String out = new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return q.waitFor(30, TimeUnit.SECONDS) && q.exitValue() == 0 && out.equals("install ok installed");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
