package dev.cutover.database;

import dev.cutover.verify.Chunk;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * Cuts the ordered tuples into content-defined chunks and hashes each once. The table hash is taken at the
 * end over every chunk's row count and full SHA-256, so two chunkers' runs can be joined into one.
 */
final class Chunker {

  /**
   * Where a split table's upper reader starts its own chunks: after the rows up to {@code key}, which it
   * hands over in {@code rows[0, length)} (its tuples end to end), or null when there were too many.
   */
  record Seam(List<String> key, byte[] rows, int length) {}

  private final int chunkRows;
  private final byte[] descriptor;
  private final MessageDigest chunk = Digests.sha256();
  final List<Chunk> chunks = new ArrayList<>();
  private final List<byte[]> digests = new ArrayList<>();
  long rows;
  long bytes;
  private long chunkCount;
  private List<String> first;
  private List<String> last;
  private Consumer<Seam> seam;
  private byte[] skipped;
  private int skippedLength;

  private int keepAtMost;

  Chunker(int chunkRows, String descriptor) {
    this.chunkRows = chunkRows;
    this.descriptor = descriptor.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Skips rows, unhashed, until the key changes after a boundary key, where any reader's chunk ends; then
   * tells {@code seam} the last skipped key and the skipped rows, and chunks from the next row on.
   */
  void skipToSeam(Consumer<Seam> seam, int keepAtMost) {
    this.seam = seam;
    this.keepAtMost = keepAtMost;
    this.skipped = new byte[Math.min(1 << 16, keepAtMost)];
  }

  void row(byte[] tuple, int length, List<String> key) {
    if (seam != null) {
      if (last == null || key.equals(last) || !isBoundary(last)) {
        last = key;
        keep(tuple, length);
        return;
      }
      seam.accept(new Seam(last, skipped, skippedLength));
      seam = null;
      skipped = null;
    }
    if (chunkCount > 0 && !key.equals(last) && (isBoundary(last) || chunkCount >= 8L * chunkRows)) {
      close();
    }
    if (chunkCount == 0) {
      first = key;
    }
    last = key;
    chunk.update(tuple, 0, length);
    chunkCount++;
    rows++;
    bytes += length;
  }

  private void keep(byte[] tuple, int length) {
    if (skipped == null) {
      return;
    }
    if ((long) skippedLength + length > keepAtMost) {
      skipped = null;
      return;
    }
    if (skippedLength + length > skipped.length) {
      skipped = Arrays.copyOf(skipped, Math.min(keepAtMost, Math.max(skippedLength + length,
          skipped.length * 2)));
    }
    System.arraycopy(tuple, 0, skipped, skippedLength, length);
    skippedLength += length;
  }

  private boolean isBoundary(List<String> key) {
    return isBoundary(key, chunkRows);
  }

  static boolean isBoundary(List<String> key, int chunkRows) {
    return Integer.remainderUnsigned(mix(key.hashCode()), chunkRows) == 0;
  }

  private void close() {
    byte[] digest = chunk.digest();
    digests.add(digest);
    chunks.add(new Chunk(first, last, chunkCount, HexFormat.of().formatHex(Arrays.copyOf(digest, 16))));
    chunkCount = 0;
  }

  void finish() {
    if (chunkCount > 0) {
      close();
    }
  }

  /** Appends {@code next}'s finished chunks, which follow this one's in key order. */
  void append(Chunker next) {
    chunks.addAll(next.chunks);
    digests.addAll(next.digests);
    rows += next.rows;
    bytes += next.bytes;
  }

  String tableHash() {
    MessageDigest table = Digests.sha256();
    table.update(ByteBuffer.allocate(4).putInt(descriptor.length).array());
    table.update(descriptor);
    for (int i = 0; i < chunks.size(); i++) {
      table.update(ByteBuffer.allocate(8).putLong(chunks.get(i).rows()).array());
      table.update(digests.get(i));
    }
    return HexFormat.of().formatHex(table.digest());
  }

  /** MurmurHash3's finaliser: spreads String.hashCode (fixed by the Java spec) over all 32 bits. */
  private static int mix(int h) {
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    h ^= h >>> 16;
    return h;
  }
}
