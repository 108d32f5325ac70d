package dev.cutover.plan;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators write them ({@code 250ms}, {@code 60s}, {@code 1m30s}, {@code 2d}) or as ISO-8601
 * ({@code PT1M}). Units must come largest first, each at most once, so a value has one spelling to read.
 */
public final class Durations {

  private static final ChronoUnit[] UNITS = {
    ChronoUnit.DAYS, ChronoUnit.HOURS, ChronoUnit.MINUTES, ChronoUnit.SECONDS, ChronoUnit.MILLIS
  };
  private static final String[] FORMAT_SUFFIXES = {"h", "m", "s", "ms"};

  // The lookaheads refuse the empty string and a bare "P"; "m(?!s)" keeps "5ms" from reading as minutes.
  private static final Pattern SHORT =
      Pattern.compile("(?=\\d)(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+)s)?(?:(\\d+)ms)?");
  private static final Pattern ISO =
      Pattern.compile("(?=P(?:\\d|T\\d))P(?:\\d+D)?(?:T(?:\\d+H)?(?:\\d+M)?(?:\\d+(?:\\.\\d{1,9})?S)?)?");

  /** Both spellings as one ECMA-262 regular expression, for the JSON Schema. */
  public static final String PATTERN = "^" + SHORT.pattern() + "$|^" + ISO.pattern() + "$";

  private Durations() {}

  /** Parses either spelling; throws {@link IllegalArgumentException} with an operator-facing message. */
  public static Duration parse(String text) {
    String trimmed = text.strip();
    try {
      Matcher shortForm = SHORT.matcher(trimmed);
      if (shortForm.matches()) {
        return sum(shortForm);
      }
      if (ISO.matcher(trimmed).matches()) {
        return Duration.parse(trimmed);
      }
    } catch (ArithmeticException | NumberFormatException | java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("'" + text + "' is too long a duration");
    }
    throw new IllegalArgumentException(
        "'" + text + "' is not a duration: write a number with a unit (ms, s, m, h, d), e.g. 60s or"
            + " 1m30s, or ISO-8601 like PT1M");
  }

  /**
   * The short spelling, largest unit first: {@code 1m30s}, {@code 250ms}, {@code 24h}, {@code 0s}. Hours are
   * the largest unit written, because "36h" reads faster than "1d12h" for the waits a move has.
   */
  public static String format(Duration duration) {
    if (duration.isNegative()) {
      return "-" + format(duration.negated());
    }
    if (duration.isZero()) {
      return "0s";
    }
    if (duration.getNano() % 1_000_000 != 0) {
      return duration.toString(); // finer than a millisecond: only ISO-8601 keeps it exact
    }
    long[] amounts = {
      duration.toHours(), duration.toMinutesPart(), duration.toSecondsPart(), duration.toMillisPart()
    };
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < amounts.length; i++) {
      if (amounts[i] > 0) {
        text.append(amounts[i]).append(FORMAT_SUFFIXES[i]);
      }
    }
    return text.toString();
  }

  private static Duration sum(Matcher matcher) {
    Duration total = Duration.ZERO;
    for (int i = 0; i < UNITS.length; i++) {
      String amount = matcher.group(i + 1);
      if (amount != null) {
        total = total.plus(Duration.of(Long.parseLong(amount), UNITS[i]));
      }
    }
    return total;
  }
}
