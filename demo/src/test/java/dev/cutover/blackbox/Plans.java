package dev.cutover.blackbox;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The smallest valid plan: two databases, a command front door that does nothing, a health URL. */
final class Plans {

  private Plans() {}

  static Path minimal(Path file, String sourceUrl, String targetUrl, String user) throws IOException {
    Files.writeString(file, String.join("\n",
        "app: game",
        "source: {name: home, database: {url: \"" + sourceUrl + "\", user: " + user + "}}",
        "target: {name: arm, database: {url: \"" + targetUrl + "\", user: " + user + "}}",
        "frontDoor: {type: command, switch: [\"true\"], revert: [\"true\"]}",
        "health: {url: \"http://127.0.0.1:1/healthz\"}", ""));
    return file;
  }
}
