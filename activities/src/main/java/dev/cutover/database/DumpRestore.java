package dev.cutover.database;

import dev.cutover.database.DatabaseActivities.CopyRequest;
import dev.cutover.database.DatabaseActivities.CopyResult;
import dev.cutover.hosts.ProcessRunner;
import dev.cutover.workflow.CutoverFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * The {@code dump-restore} copy: {@code pg_dump} piped straight into {@code pg_restore}, no temp file.
 * The dump is uncompressed: both ends are on a fast link during a blackout, and pg_dump's single-core
 * compression would otherwise be most of the copy's time.
 */
final class DumpRestore {

  private DumpRestore() {}

  static CopyResult copy(CopyRequest request, int sourceMajor, int targetMajor, LongConsumer progress) {
    long started = System.nanoTime();
    Path pgDump = PgTools.find("pg_dump", Math.max(sourceMajor, targetMajor));
    Path pgRestore = pgDump.resolveSibling("pg_restore");

    List<String> dump = new ArrayList<>(List.of(pgDump.toString(), "--format=custom", "--compress=0"));
    dump.addAll(Connections.libpqArgs(request.source(), null));
    List<String> restore =
        new ArrayList<>(List.of(pgRestore.toString(), "--exit-on-error", "--no-owner", "--no-privileges",
            "--single-transaction"));
    restore.addAll(Connections.libpqArgs(request.target(), null));

    Process dumper = ProcessRunner.start(dump, Connections.libpqEnv(request.source()));
    Process restorer = ProcessRunner.start(restore, Connections.libpqEnv(request.target()));
    ProcessRunner.Tail dumpErr = ProcessRunner.Tail.drain(dumper.getErrorStream());
    ProcessRunner.Tail restoreErr = ProcessRunner.Tail.drain(restorer.getErrorStream());
    ProcessRunner.Tail restoreOut = ProcessRunner.Tail.drain(restorer.getInputStream());
    long bytes;
    try {
      bytes = pump(dumper.getInputStream(), restorer.getOutputStream(), progress);
      long dumpMillis = (System.nanoTime() - started) / 1_000_000;
      int dumpExit = dumper.waitFor();
      int restoreExit = restorer.waitFor();
      dumpErr.join();
      restoreErr.join();
      restoreOut.join();
      if (dumpExit != 0) {
        throw CutoverFailure.COPY_FAILED.failure("pg_dump exited " + dumpExit + ": " + dumpErr.text());
      }
      if (restoreExit != 0) {
        throw CutoverFailure.COPY_FAILED.failure("pg_restore exited " + restoreExit + ": " + restoreErr.text());
      }
      return new CopyResult(bytes, 0, dumpMillis, (System.nanoTime() - started) / 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CutoverFailure.COPY_FAILED.failure("interrupted", e);
    } catch (IOException e) {
      throw CutoverFailure.COPY_FAILED.failure(
          "copy pipe broke: " + e.getMessage() + "; pg_dump: " + dumpErr.text() + "; pg_restore: "
              + restoreErr.text(), e);
    } finally {
      dumper.destroyForcibly();
      restorer.destroyForcibly();
    }
  }

  private static long pump(InputStream from, OutputStream to, LongConsumer progress) throws IOException {
    byte[] buffer = new byte[1 << 16];
    long total = 0;
    long lastReport = System.nanoTime();
    try (from; to) {
      for (int n; (n = from.read(buffer)) > 0; ) {
        to.write(buffer, 0, n);
        total += n;
        if (System.nanoTime() - lastReport > 1_000_000_000L) {
          progress.accept(total);
          lastReport = System.nanoTime();
        }
      }
    }
    progress.accept(total);
    return total;
  }
}
