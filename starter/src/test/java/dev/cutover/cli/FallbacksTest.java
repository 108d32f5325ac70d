package dev.cutover.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cutover.database.CopyActivities.ReverseState;
import dev.cutover.workflow.FallbackWorkflow.FallbackStatus;
import dev.cutover.workflow.FallbackWorkflow.State;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What `cutover status` says under a completed move that keeps its old box current, in each state. */
class FallbacksTest {

  private static final Instant NOW = Instant.parse("2026-12-02T22:00:10Z");
  private static final long CLOSES = Instant.parse("2026-12-03T22:00:00Z").toEpochMilli();

  private static FallbackStatus status(State state, ReverseState last, long strays, String ended) {
    return new FallbackStatus("game", "arm", "home", state, last, NOW.toEpochMilli() - 4_000, CLOSES, strays,
        strays == 0 ? List.of() : List.of("xid 812: INSERT public.t"), ended);
  }

  private static ReverseState streaming(long bytes, Long lag) {
    return new ReverseState(true, null, bytes, lag, "2026-12-02 22:00:05+00", 0, 0, List.of());
  }

  @Test
  void aHealthyStreamShowsItsLagAndWhatRollbackAndCloseWillDo() {
    String shown = Fallbacks.render(status(State.STREAMING, streaming(120, 15L), 0, null), "game", NOW);
    assertEquals("""

        fallback: home is kept current by the reverse stream from arm, until 2026-12-03T22:00:00Z
          streaming: 120 bytes behind, lag 15 ms, last applied 2026-12-02 22:00:05+00 (looked 4 s ago)
          `cutover rollback game` switches back over it (a freeze that only catches up); `cutover close game` ends it
        """, shown);
  }

  @Test
  void aStreamFarBehindIsWarnedAbout() {
    String bytes = Fallbacks.render(status(State.STREAMING, streaming(2L << 30, 10L), 0, null), "game", NOW);
    assertTrue(bytes.contains("WARNING: the stream is far behind (2147483648 bytes, 10 ms)"), bytes);
    String time = Fallbacks.render(status(State.STREAMING, streaming(10, 90_000L), 0, null), "game", NOW);
    assertTrue(time.contains("WARNING: the stream is far behind (10 bytes, 90000 ms)"), time);
    String fine = Fallbacks.render(status(State.STREAMING, streaming(10, 59_000L), 0, null), "game", NOW);
    assertFalse(fine.contains("WARNING"), fine);
  }

  @Test
  void aBrokenStreamSaysWhyAndThatRollbackWouldCopyEverything() {
    ReverseState broken = new ReverseState(true, "its slot cutover_game is gone from arm", null, null, null, 0, 0,
        List.of());
    String shown = Fallbacks.render(status(State.BROKEN, broken, 0, null), "game", NOW);
    assertTrue(shown.contains("  BROKEN: its slot cutover_game is gone from arm\n"), shown);
    assertTrue(shown.contains("`cutover rollback game` would copy everything again in its freeze (dump-restore)"), shown);
  }

  @Test
  void anEndedStreamSaysHowAndTheAlarmOutlivesIt() {
    String shown = Fallbacks.render(status(State.CLOSED, streaming(0, null), 1, "closed by ops"), "game", NOW);
    assertEquals("""

        fallback: home is no longer kept current: closed by ops
        ALARM: 1 commit(s) on home did not come from the reverse stream: a second writer (xid 812: INSERT public.t)
        """, shown);
  }
}
