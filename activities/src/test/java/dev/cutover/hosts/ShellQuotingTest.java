package dev.cutover.hosts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ShellQuotingTest {

  /** Arguments a remote shell would love to interpret. */
  static final List<String> HOSTILE = List.of("plain", "two words", "it's", "'", "''", "\"double\"", "$(touch pwned)",
      "`id`", "a;b", "x && y", "*", "~", "$HOME", "back\\slash", "line\nbreak", "  padded  ", "", "-n", "%s", "!");

  @Test
  void quotesInSingleQuotesAndEscapesSingleQuotes() {
    assertEquals("'two words'", ShellQuoting.quote("two words"));
    assertEquals("'it'\\''s'", ShellQuoting.quote("it's"));
    assertEquals("''", ShellQuoting.quote(""));
    assertEquals("'a' '$(b)'", ShellQuoting.commandLine(List.of("a", "$(b)")));
    assertThrows(IllegalArgumentException.class, () -> ShellQuoting.quote("nul\0byte"));
  }

  /** A real POSIX shell (dash) reads the command line back into exactly the arguments given. */
  @Test
  void aPosixShellGetsEveryArgumentVerbatim() {
    List<String> argv = new ArrayList<>(List.of("printf", "%s\\0"));
    argv.addAll(HOSTILE);
    ProcessRunner.Captured c = ProcessRunner.capture(
        List.of("/bin/sh", "-c", ShellQuoting.commandLine(argv)), Map.of(), Duration.ofSeconds(10), "sh", 1 << 16);

    assertEquals(0, c.exitCode(), c.stderrTail());
    assertEquals(HOSTILE, split(c.stdout()));
  }

  /** NUL-separated fields back into a list; printf ends every field with a NUL. */
  static List<String> split(byte[] stdout) {
    String text = new String(stdout, StandardCharsets.UTF_8);
    List<String> fields = new ArrayList<>(Arrays.asList(text.split("\0", -1)));
    assertEquals("", fields.remove(fields.size() - 1), "output must end with a NUL");
    return fields;
  }
}
