package dev.cutover.database;

import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/**
 * Streams {@code COPY (query) TO STDOUT (FORMAT binary)} one tuple at a time. Binary COPY is the cheapest
 * way to get rows out of PostgreSQL (no per-value text formatting), and each tuple is self-delimiting:
 * a field count, then per field a 4-byte length (-1 for NULL) and the value's bytes. Only one tuple is
 * held at a time, so memory does not grow with the table.
 */
final class BinaryCopy {

  private static final byte[] SIGNATURE = "PGCOPY\n\377\r\n\0".getBytes(StandardCharsets.ISO_8859_1);

  private BinaryCopy() {}

  interface RowSink {
    /** {@code tuple[0, length)} is the whole tuple as sent; {@code key} the first key fields as text. */
    void row(byte[] tuple, int length, List<String> key) throws SQLException;
  }

  /** Runs the COPY and feeds every tuple to the sink; returns the bytes read. */
  static long stream(Connection c, String query, int keyFields, RowSink sink) throws SQLException {
    CopyOut copy = c.unwrap(PGConnection.class).getCopyAPI()
        .copyOut("COPY (" + query + ") TO STDOUT (FORMAT binary)");
    Input in = new Input(copy);
    try {
      byte[] header = new byte[SIGNATURE.length + 8];
      in.read(header, 0, header.length);
      if (!Arrays.equals(Arrays.copyOf(header, SIGNATURE.length), SIGNATURE)) {
        throw new SQLException("not a binary COPY stream");
      }
      in.skip(readInt(header, SIGNATURE.length + 4));
      byte[] tuple = new byte[1 << 12];
      int[] keyAt = new int[keyFields * 2];
      while (true) {
        in.read(tuple, 0, 2);
        int fields = (short) (((tuple[0] & 0xff) << 8) | (tuple[1] & 0xff));
        if (fields == -1) {
          break;
        }
        int length = 2;
        for (int f = 0; f < fields; f++) {
          tuple = ensure(tuple, length + 4);
          in.read(tuple, length, 4);
          int size = readInt(tuple, length);
          length += 4;
          if (f < keyFields) {
            keyAt[2 * f] = length;
            keyAt[2 * f + 1] = size;
          }
          if (size > 0) {
            tuple = ensure(tuple, length + size);
            in.read(tuple, length, size);
            length += size;
          }
        }
        List<String> key = new ArrayList<>(keyFields);
        for (int f = 0; f < keyFields; f++) {
          int size = keyAt[2 * f + 1];
          key.add(size < 0 ? null : new String(tuple, keyAt[2 * f], size, StandardCharsets.UTF_8));
        }
        sink.row(tuple, length, key);
      }
      // Drain to the end of the COPY so the connection is usable again.
      while (copy.readFromCopy() != null) {
        // The trailer ends the data; anything after it is protocol bookkeeping.
      }
      return in.total;
    } catch (EOFException e) {
      throw new SQLException("binary COPY ended in the middle of a tuple", e);
    } finally {
      if (copy.isActive()) {
        copy.cancelCopy();
      }
    }
  }

  private static byte[] ensure(byte[] buffer, int needed) {
    return needed <= buffer.length ? buffer : Arrays.copyOf(buffer, Math.max(needed, buffer.length * 2));
  }

  private static int readInt(byte[] b, int at) {
    return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
  }

  /** The CopyOut's messages as one byte stream; a tuple may span messages. */
  private static final class Input {
    private final CopyOut copy;
    private byte[] buffer = new byte[0];
    private int position;
    private long total;

    Input(CopyOut copy) {
      this.copy = copy;
    }

    void read(byte[] into, int offset, int length) throws SQLException, EOFException {
      while (length > 0) {
        if (position == buffer.length) {
          byte[] next = copy.readFromCopy();
          if (next == null) {
            throw new EOFException();
          }
          buffer = next;
          position = 0;
          total += next.length;
        }
        int n = Math.min(length, buffer.length - position);
        System.arraycopy(buffer, position, into, offset, n);
        position += n;
        offset += n;
        length -= n;
      }
    }

    void skip(int length) throws SQLException, EOFException {
      read(new byte[length], 0, length);
    }
  }
}
