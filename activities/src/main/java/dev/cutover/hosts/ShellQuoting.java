package dev.cutover.hosts;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Quoting for the one place cutover cannot avoid a shell: ssh hands its command line to the remote user's
 * shell. Every argument goes in single quotes, inside which a POSIX shell interprets nothing; a single
 * quote itself is closed, escaped and reopened ({@code '\''}). So an argument reaches the remote program
 * exactly as the plan wrote it, whatever {@code $}, {@code `}, {@code ;}, {@code *} or newline it holds.
 */
public final class ShellQuoting {

  private ShellQuoting() {}

  public static String quote(String argument) {
    if (argument.indexOf('\0') >= 0) {
      // No shell can pass a NUL byte to a program: refuse rather than send something else.
      throw new IllegalArgumentException("an argument contains a NUL byte");
    }
    return "'" + argument.replace("'", "'\\''") + "'";
  }

  /** The argument list as one command line for a POSIX shell, each argument quoted. */
  public static String commandLine(List<String> argv) {
    return argv.stream().map(ShellQuoting::quote).collect(Collectors.joining(" "));
  }
}
