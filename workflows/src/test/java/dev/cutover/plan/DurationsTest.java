package dev.cutover.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DurationsTest {

  @ParameterizedTest
  @CsvSource({
    "250ms, PT0.25S", "60s, PT1M", "5m, PT5M", "24h, PT24H", "2d, PT48H", "1m30s, PT1M30S",
    "1d2h3m4s5ms, PT26H3M4.005S", "0s, PT0S", "PT1M, PT1M", "PT0.5S, PT0.5S", "P1D, PT24H"
  })
  void parsesShortAndIsoSpellings(String text, String iso) {
    assertEquals(Duration.parse(iso), Durations.parse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "60", "5 m", "m5", "1h1d", "30s1m", "1.5s", "P", "PT", "-5s", "-PT1M", "5sec", "1m1m"})
  void refusesAnythingElse(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Durations.parse(text));
    assertEquals("'" + text + "' is not a duration: write a number with a unit (ms, s, m, h, d), e.g. 60s or"
        + " 1m30s, or ISO-8601 like PT1M", e.getMessage());
  }

  @Test
  void refusesOverflow() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Durations.parse("99999999999999999999d"));
    assertEquals("'99999999999999999999d' is too long a duration", e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({"PT1M30S, 1m30s", "PT0.25S, 250ms", "PT24H, 24h", "PT23H, 23h", "PT0S, 0s", "PT49H0.001S, 49h1ms",
      "PT0.0000001S, PT0.0000001S"})
  void formatsLargestUnitFirst(String iso, String text) {
    assertEquals(text, Durations.format(Duration.parse(iso)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"250ms", "60s", "1m30s", "24h", "2d", "1d2h3m4s5ms", "0s", "PT0.0000001S"})
  void roundTripsThroughFormat(String text) {
    Duration duration = Durations.parse(text);
    assertEquals(duration, Durations.parse(Durations.format(duration)));
  }

  @ParameterizedTest
  @CsvSource({"60s, true", "1m30s, true", "PT1M, true", "250ms, true", "'', false", "1h1d, false", "P, false",
      "5 m, false"})
  void schemaPatternAgreesWithParser(String text, boolean valid) {
    assertEquals(valid, Pattern.compile(Durations.PATTERN).matcher(text).find());
  }
}
