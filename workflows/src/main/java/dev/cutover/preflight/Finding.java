package dev.cutover.preflight;

/** One preflight result: blocking findings stop the move before anything changes. */
public record Finding(Severity severity, String check, String message, String fix) {

  public enum Severity {
    BLOCKING,
    WARNING,
    OK
  }

  public static Finding blocking(String check, String message, String fix) {
    return new Finding(Severity.BLOCKING, check, message, fix);
  }

  public static Finding warning(String check, String message, String fix) {
    return new Finding(Severity.WARNING, check, message, fix);
  }

  public static Finding ok(String check, String message) {
    return new Finding(Severity.OK, check, message, null);
  }
}
