package dev.cutover.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a difference between two sides' objects is named. */
class ObjectComparisonsTest {

  private static DatabaseObject trigger(String state) {
    return new DatabaseObject("trigger", "t on public.film", Map.of("state", state, "definition",
        ObjectComparisons.HASHED + "ab"));
  }

  @Test
  void eachDifferenceIsNamedWithItsKindNameAndHow() {
    List<DatabaseObject> home = List.of(trigger("enabled"), new DatabaseObject("index", "public.i", Map.of()),
        new DatabaseObject("function", "public.f()", Map.of("definition", ObjectComparisons.HASHED + "1")));
    List<DatabaseObject> arm = List.of(trigger("disabled"), new DatabaseObject("sequence", "public.s", Map.of()),
        new DatabaseObject("function", "public.f()", Map.of("definition", ObjectComparisons.HASHED + "2", "comment", "x")));

    List<String> named = ObjectComparisons.compare("home", home, "arm", arm).stream()
        .map(ObjectDifference::describe).toList();

    assertEquals(List.of(
        "function public.f(): comment missing on home; definition differs",
        "index public.i: missing on arm",
        "sequence public.s: missing on home",
        "trigger t on public.film: state enabled on home, disabled on arm"), named);
  }

  @Test
  void equalSidesAndSidesNotReadHaveNoDifferences() {
    assertEquals(List.of(), ObjectComparisons.compare("home", List.of(trigger("enabled")), "arm",
        List.of(trigger("enabled"))));
    // A fingerprint recorded before objects were part of it, or taken without them, compares none.
    assertEquals(List.of(), ObjectComparisons.compare("home", null, "arm", List.of(trigger("enabled"))));
  }

  @Test
  void aKindAndNameTogetherNameAnObject() {
    // A table and its index may share a name; they are different objects.
    List<DatabaseObject> home = List.of(new DatabaseObject("table", "public.x", Map.of()));
    List<DatabaseObject> arm = List.of(new DatabaseObject("index", "public.x", Map.of()));
    assertEquals(2, ObjectComparisons.compare("home", home, "arm", arm).size());
  }
}
