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

  /**
   * Key columns read from the row's own binary values rather than sent a second time as text: their
   * positions among the fields and how each prints ({@link Kind}), exactly as PostgreSQL's output
   * function would print it.
   */
  record Keys(int[] fields, Kind[] kinds) {}

  /** Types whose text form is cheap to print here from the binary form, and exactly. */
  enum Kind { INTEGER, TEXT, UUID }

  /** Runs the COPY and feeds every tuple to the sink; returns the bytes read. */
  static long stream(Connection c, String query, int keyFields, RowSink sink) throws SQLException {
    CopyOut copy = c.unwrap(PGConnection.class).getCopyAPI()
        .copyOut("COPY (" + query + ") TO STDOUT (FORMAT binary)");
    Input in = new Input(copy);
    try {
      header(in);
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
      return drain(copy, in);
    } catch (EOFException e) {
      throw new SQLException("binary COPY ended in the middle of a tuple", e);
    } finally {
      if (copy.isActive()) {
        copy.cancelCopy();
      }
    }
  }

  /**
   * Like {@link #stream(Connection, String, int, RowSink)} over a query without the key-as-text fields,
   * printing the key from {@code keys} instead: the server skips formatting every key (a third of its
   * work on a narrow table). The sink sees exactly the tuple the query with the key fields first would
   * have sent, so hashes do not depend on which way the rows were read.
   */
  static long stream(Connection c, String query, Keys keys, RowSink sink) throws SQLException {
    CopyOut copy = c.unwrap(PGConnection.class).getCopyAPI()
        .copyOut("COPY (" + query + ") TO STDOUT (FORMAT binary)");
    Input in = new Input(copy);
    int keyFields = keys.fields().length;
    try {
      header(in);
      byte[] raw = new byte[1 << 12];
      byte[] tuple = new byte[1 << 12];
      int[] valueAt = new int[16];
      int[] sizeOf = new int[16];
      while (true) {
        // The server sends a message per row, so a tuple nearly always lies whole in the current message:
        // its fields are then found where they are, and copied once, below. Otherwise it is read piece by
        // piece into raw.
        boolean two = in.available() >= 2;
        byte[] from = in.buffer;
        int start = in.position;
        int fields = two ? (short) (((from[start] & 0xff) << 8) | (from[start + 1] & 0xff)) : -2;
        if (fields == -1) {
          break;
        }
        if (fields > valueAt.length) {
          valueAt = new int[fields];
          sizeOf = new int[fields];
        }
        int end = fields < 0 ? -1 : inPlace(from, start, fields, valueAt, sizeOf);
        if (end >= 0) {
          in.position = end;
        } else {
          start = 0;
          in.read(raw, 0, 2);
          fields = (short) (((raw[0] & 0xff) << 8) | (raw[1] & 0xff));
          if (fields == -1) {
            break;
          }
          if (fields > valueAt.length) {
            valueAt = new int[fields];
            sizeOf = new int[fields];
          }
          int rawLength = 2;
          for (int f = 0; f < fields; f++) {
            raw = ensure(raw, rawLength + 4);
            in.read(raw, rawLength, 4);
            int size = readInt(raw, rawLength);
            rawLength += 4;
            valueAt[f] = rawLength;
            sizeOf[f] = size;
            if (size > 0) {
              raw = ensure(raw, rawLength + size);
              in.read(raw, rawLength, size);
              rawLength += size;
            }
          }
          from = raw;
          end = rawLength;
        }
        int rawLength = end - start;
        List<String> key = new ArrayList<>(keyFields);
        int count = fields + keyFields;
        tuple[0] = (byte) (count >>> 8);
        tuple[1] = (byte) count;
        int length = 2;
        for (int k = 0; k < keyFields; k++) {
          int at = valueAt[keys.fields()[k]];
          int size = sizeOf[keys.fields()[k]];
          String text = switch (keys.kinds()[k]) {
            case INTEGER -> Long.toString(readSigned(from, at, size));
            case TEXT -> new String(from, at, size, StandardCharsets.UTF_8);
            case UUID -> uuid(from, at);
          };
          key.add(text);
          if (keys.kinds()[k] == Kind.TEXT) {
            // Already its text's bytes: copied as sent.
            tuple = ensure(tuple, length + 4 + size);
            writeInt(tuple, length, size);
            System.arraycopy(from, at, tuple, length + 4, size);
            length += 4 + size;
          } else {
            // Digits, '-' and hex: one byte per char.
            int n = text.length();
            tuple = ensure(tuple, length + 4 + n);
            writeInt(tuple, length, n);
            for (int i = 0; i < n; i++) {
              tuple[length + 4 + i] = (byte) text.charAt(i);
            }
            length += 4 + n;
          }
        }
        tuple = ensure(tuple, length + rawLength - 2);
        System.arraycopy(from, start + 2, tuple, length, rawLength - 2);
        length += rawLength - 2;
        sink.row(tuple, length, key);
      }
      return drain(copy, in);
    } catch (EOFException e) {
      throw new SQLException("binary COPY ended in the middle of a tuple", e);
    } finally {
      if (copy.isActive()) {
        copy.cancelCopy();
      }
    }
  }

  /**
   * Feeds the tuples laid end to end in {@code rows[0, length)} (as a sink saw them, key fields first) to
   * {@code sink} again, each with its key.
   */
  static void replay(byte[] rows, int length, int keyFields, RowSink sink) throws SQLException {
    byte[] tuple = new byte[1 << 12];
    int[] valueAt = new int[16];
    int[] sizeOf = new int[16];
    for (int at = 0; at < length; ) {
      int fields = (short) (((rows[at] & 0xff) << 8) | (rows[at + 1] & 0xff));
      if (fields > valueAt.length) {
        valueAt = new int[fields];
        sizeOf = new int[fields];
      }
      int end = inPlace(rows, at, fields, valueAt, sizeOf);
      List<String> key = new ArrayList<>(keyFields);
      for (int f = 0; f < keyFields; f++) {
        key.add(sizeOf[f] < 0 ? null : new String(rows, valueAt[f], sizeOf[f], StandardCharsets.UTF_8));
      }
      tuple = ensure(tuple, end - at);
      System.arraycopy(rows, at, tuple, 0, end - at);
      sink.row(tuple, end - at, key);
      at = end;
    }
  }

  /**
   * Finds the fields of the tuple of {@code fields} fields at {@code b[at]} where they lie; returns where it
   * ends, or -1 if it runs past the end of {@code b}.
   */
  private static int inPlace(byte[] b, int at, int fields, int[] valueAt, int[] sizeOf) {
    int p = at + 2;
    for (int f = 0; f < fields; f++) {
      if (b.length - p < 4) {
        return -1;
      }
      int size = readInt(b, p);
      p += 4;
      valueAt[f] = p;
      sizeOf[f] = size;
      if (size > 0) {
        if (b.length - p < size) {
          return -1;
        }
        p += size;
      }
    }
    return p;
  }

  private static void header(Input in) throws SQLException, EOFException {
    byte[] header = new byte[SIGNATURE.length + 8];
    in.read(header, 0, header.length);
    if (!Arrays.equals(Arrays.copyOf(header, SIGNATURE.length), SIGNATURE)) {
      throw new SQLException("not a binary COPY stream");
    }
    in.skip(readInt(header, SIGNATURE.length + 4));
  }

  private static long drain(CopyOut copy, Input in) throws SQLException {
    // Drain to the end of the COPY so the connection is usable again.
    while (copy.readFromCopy() != null) {
      // The trailer ends the data; anything after it is protocol bookkeeping.
    }
    return in.total;
  }

  /** int2, int4 or int8, big-endian: the binary send form of each. */
  private static long readSigned(byte[] b, int at, int size) {
    long v = b[at];
    for (int i = 1; i < size; i++) {
      v = (v << 8) | (b[at + i] & 0xff);
    }
    return v;
  }

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /** uuid_out's form: lower-case hex in groups of 8-4-4-4-12. */
  private static String uuid(byte[] b, int at) {
    byte[] out = new byte[36];
    int o = 0;
    for (int i = 0; i < 16; i++) {
      if (i == 4 || i == 6 || i == 8 || i == 10) {
        out[o++] = '-';
      }
      out[o++] = HEX[(b[at + i] >> 4) & 0xf];
      out[o++] = HEX[b[at + i] & 0xf];
    }
    return new String(out, StandardCharsets.US_ASCII);
  }

  private static void writeInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
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

    /** Bytes left in the current message, after fetching the next one if this one is used up. */
    int available() throws SQLException {
      if (position == buffer.length) {
        byte[] next = copy.readFromCopy();
        if (next == null) {
          return 0;
        }
        buffer = next;
        position = 0;
        total += next.length;
      }
      return buffer.length - position;
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
