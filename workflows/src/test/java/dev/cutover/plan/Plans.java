package dev.cutover.plan;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test plans from the classpath, and a minimal valid plan to plant one mistake in. */
final class Plans {

  private Plans() {}

  static String resource(String name) {
    try (InputStream in = Plans.class.getResourceAsStream("/plans/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test plan " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** minimal.yaml with each {@code "old" -> "new"} pair replaced at its first occurrence; the pair must be present. */
  static String minimalWith(String... replacements) {
    String text = resource("minimal.yaml");
    for (int i = 0; i < replacements.length; i += 2) {
      if (!text.contains(replacements[i])) {
        throw new IllegalArgumentException("minimal.yaml has no " + replacements[i]);
      }
      text = text.replaceFirst(Pattern.quote(replacements[i]), Matcher.quoteReplacement(replacements[i + 1]));
    }
    return text;
  }

  /** The errors the plan has, as printed: {@code file:line: path: message}. */
  static List<String> errors(String yaml) {
    try {
      PlanParser.parse(yaml, "plan.yaml");
      return List.of();
    } catch (PlanException e) {
      return e.errors().stream().map(PlanError::toString).toList();
    }
  }
}
