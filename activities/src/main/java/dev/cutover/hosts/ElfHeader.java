package dev.cutover.hosts;

/** The one field of an ELF header preflight needs: e_machine, the CPU the binary was built for. */
final class ElfHeader {

  /** Bytes up to and including e_machine (offset 18, two bytes), the same in 32- and 64-bit ELF. */
  static final int NEEDED = 20;

  private ElfHeader() {}

  /** e_machine, or null when the bytes do not start an ELF file (a script, a jar, a wrapper). */
  static Integer machine(byte[] head) {
    if (head.length < NEEDED || head[0] != 0x7f || head[1] != 'E' || head[2] != 'L' || head[3] != 'F') {
      return null;
    }
    int lo = head[18] & 0xff;
    int hi = head[19] & 0xff;
    // EI_DATA (byte 5) is the byte order of every multi-byte field: 1 little-endian, 2 big-endian.
    return head[5] == 2 ? (lo << 8) | hi : (hi << 8) | lo;
  }

  /** Parses {@code od -An -tx1} output (hex bytes separated by spaces and newlines) back into bytes. */
  static byte[] fromOdHex(String od) {
    String[] parts = od.trim().split("\\s+");
    if (parts.length == 1 && parts[0].isEmpty()) {
      return new byte[0];
    }
    byte[] bytes = new byte[parts.length];
    for (int i = 0; i < parts.length; i++) {
      bytes[i] = (byte) Integer.parseInt(parts[i], 16);
    }
    return bytes;
  }
}
