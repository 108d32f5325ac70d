package dev.cutover.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.cli.Cutover;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The benchmark end to end at the tiny size, so the command and its page keep working. */
class BenchCommandTest {

  /**
   * Runs every benchmark at the tiny size, and a fleet of 3 apps against 3 sequential moves
   * (about 20 s more): slow, so not on every change.
   */
  @Test
  @Tag("slow")
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void writesThePageWithEverySectionAndThePlot(@TempDir Path dir) throws Exception {
    Path page = dir.resolve("benchmarks.md");
    StringWriter out = new StringWriter();
    CommandLine cli = Cutover.commandLine(Map.of("bench", new BenchCommand()));
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(out, true));

    long started = System.nanoTime();
    int code = cli.execute("bench", "--sizes", "T", "--runs", "1", "--fleet-apps", "3", "--fleet-concurrency", "2",
        "--out", page.toString());
    long seconds = (System.nanoTime() - started) / 1_000_000_000L;

    assertEquals(0, code, out.toString());
    String md = Files.readString(page);
    for (String heading : List.of("## Machine", "## Commands", "## Sizes", "## Copy", "## Fingerprint",
        "## Blackout", "## Orchestration overhead", "## Fleet", "## Targets", "## Notes")) {
      assertTrue(md.contains(heading), heading + " in:\n" + md);
    }
    assertTrue(md.contains("pg_dump -Fc | pg_restore"), md);
    assertTrue(md.contains("md5(string_agg"), md);
    assertTrue(md.contains("| T | dump-restore |") && md.contains("| T | logical |"), md);
    // Each move's row puts the gate's estimate beside the blackout, and the targets judge it.
    assertTrue(md.contains("| blackout s | estimated at the gate s | estimate vs blackout % |"), md);
    assertTrue(java.util.regex.Pattern.compile("\\| T \\| logical \\| [^|]+ \\| [0-9.]+ \\(1 run\\) \\| [0-9.]+ \\(1 run\\)"
        + " \\| [+-][0-9]+ \\(1 run\\) \\|").matcher(md).find(), md);
    assertTrue(md.contains("| the estimate at the gate within ±30 % of the blackout, every run |"), md);
    // The fleet's row: real wall times and ratio, at most 2 freezes at once, every app completed with every row.
    assertTrue(java.util.regex.Pattern.compile("\\| 3 \\| 2 \\| [0-9.]+ \\(1 run\\); from confirm [0-9.]+ \\(1 run\\)"
        + " \\| [0-9.]+ \\(1 run\\) \\| [0-9.]+x \\(1 run\\) \\| [0-9.]+ \\([0-9.]+-[0-9.]+\\) \\| [12] \\| fleet: 3 COMPLETED;"
        + " sequential: 3 COMPLETED \\| 0 / 0 \\| [0-9]+ \\(1 run\\) / [0-9]+ \\(1 run\\) \\|")
        .matcher(md).find(), md);
    assertTrue(md.contains("| at most maxConcurrent freezes at once, every app completed, 0 lost |"), md);
    Path png = dir.resolve("benchmarks-blackout.png");
    assertTrue(md.contains("](benchmarks-blackout.png)"), md);
    assertTrue(ImageIO.read(png.toFile()).getWidth() > 100, "a readable PNG");
    // Under a minute on an idle 2-core machine; the timeout allows for a busy one.
    System.out.println("bench at size T took " + seconds + " s");
  }

  @Test
  void anUnknownSizeIsABadUsage() {
    CommandLine cli = Cutover.commandLine(Map.of("bench", new BenchCommand()));
    cli.setOut(new PrintWriter(new StringWriter()));
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err, true));
    assertEquals(2, cli.execute("bench", "--sizes", "XL"));
    assertTrue(err.toString().contains("no size XL"), err.toString());
  }

  @Test
  void statsAreMinMedianMax() {
    Stats s = Stats.of(List.of(3.0, 1.0, 2.0, 10.0));
    assertEquals(1.0, s.min());
    assertEquals(2.5, s.median());
    assertEquals(10.0, s.max());
    assertEquals("2.50 (1.00-10.00)", s.format(2));
  }
}
