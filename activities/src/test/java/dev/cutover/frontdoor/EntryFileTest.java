package dev.cutover.frontdoor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.temporal.failure.ApplicationFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The entry's ini line: found only in [databases], changed only in host, port and dbname, replaced whole. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EntryFileTest {

  @TempDir Path dir;

  private static final String INI = String.join("\n",
      ";; game = host=commented.out",
      "[databases]",
      "chess = host=10.0.0.5 port=5432 dbname=chess",
      "game = host=10.0.0.5 port=5432 dbname=game pool_size=20 application_name='nightly job'",
      "",
      "[pgbouncer]",
      "game = not a database line",
      "listen_port = 6432",
      "");

  @Test
  void onlyTheEntrysAddressChangesAndTheRestIsKept() throws Exception {
    Path file = Files.writeString(dir.resolve("pgbouncer.ini"), INI);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
    EntryFile entry = new EntryFile(file, "game");
    assertEquals(new EntryFile.Address("10.0.0.5", "5432", "game"), entry.read());

    assertTrue(entry.point(new EntryFile.Address("10.0.0.9", "5433", "game2")));

    assertEquals(INI.replace("game = host=10.0.0.5 port=5432 dbname=game pool_size",
        "game = host=10.0.0.9 port=5433 dbname=game2 pool_size"), Files.readString(file));
    assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertFalse(entry.point(new EntryFile.Address("10.0.0.9", "5433", "game2")), "already there: nothing written");
    assertTrue(entry.point(new EntryFile.Address("10.0.0.5", "5432", "game")));
    assertEquals(INI, Files.readString(file), "pointing back restores the file");
    try (var files = Files.list(dir)) {
      assertEquals(List.of(file), files.toList(), "no temporary file left beside it");
    }
  }

  @Test
  void aMissingOrDoubledEntryIsRefusedNamingTheFile() throws Exception {
    Path file = Files.writeString(dir.resolve("pgbouncer.ini"), INI);
    ApplicationFailure missing = assertThrows(ApplicationFailure.class, () -> new EntryFile(file, "poker").read());
    assertEquals("INVALID_PLAN", missing.getType());
    assertTrue(missing.getMessage().contains("has no line for the database poker"), missing.getMessage());

    Files.writeString(file, INI.replace("[pgbouncer]", "game = host=elsewhere\n[pgbouncer]"));
    ApplicationFailure twice = assertThrows(ApplicationFailure.class, () -> new EntryFile(file, "game").read());
    assertTrue(twice.getMessage().contains("defines the database game 2 times"), twice.getMessage());
  }

  @Test
  void aQuotedValueWithSpacesIsOneToken() {
    assertEquals(List.of("host=a", "application_name='x y'", "port=1"),
        EntryFile.tokens(" host=a  application_name='x y' port=1 "));
  }
}
