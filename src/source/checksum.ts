/**
 * Checksums of migration sources, to notice an applied migration's file being edited. Line endings,
 * a byte-order mark and trailing newlines do not count, so a checkout on Windows or an editor that
 * adds a final newline does not look like an edit.
 *
 * The checksum is CRC-32 (IEEE), written `crc32:` and eight hex digits; the prefix names the
 * algorithm so a later one can tell old records apart. It guards against accidents, not attackers
 * (as Flyway's does), and it is cheap: every start of every app that migrates on start-up checksums
 * every migration file, and a table-driven CRC is synchronous and needs no import, where SHA-256 is
 * either WebCrypto's, async per file, or `node:crypto`'s, which loads Deno's Node compatibility layer.
 *
 * @module
 */

const CR = 0x0d;
const LF = 0x0a;

/**
 * The checksum of a migration's source, given as text or as the bytes of a UTF-8 file: the same for a
 * text and its UTF-8 bytes.
 */
export function checksumOf(source: string | Uint8Array): string {
  const crc = typeof source === "string" ? crc32OfText(source) : crc32(normalize(source));
  return `crc32:${crc.toString(16).padStart(8, "0")}`;
}

/**
 * The CRC-32 of a text's UTF-8 encoding, normalized as {@link normalize} does the bytes, computed
 * without encoding it: a file read as text is checksummed without a second buffer per file. A lone
 * surrogate counts as U+FFFD, as `TextEncoder` encodes it.
 */
function crc32OfText(text: string): number {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let end = text.length;
  while (end > start && (text.charCodeAt(end - 1) === LF || text.charCodeAt(end - 1) === CR)) end--;
  let crc = 0xffffffff;
  const add = (byte: number) => {
    crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  };
  for (let i = start; i < end; i++) {
    let code = text.charCodeAt(i);
    if (code === CR) {
      if (text.charCodeAt(i + 1) === LF) continue;
      code = LF;
    }
    if (code < 0x80) {
      crc = CRC_TABLE[(crc ^ code) & 0xff] ^ (crc >>> 8);
      continue;
    }
    if (code < 0x800) {
      add(0xc0 | (code >> 6));
      add(0x80 | (code & 0x3f));
      continue;
    }
    const low = text.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < end && low >= 0xdc00 && low <= 0xdfff) {
      const point = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
      add(0xf0 | (point >> 18));
      add(0x80 | ((point >> 12) & 0x3f));
      add(0x80 | ((point >> 6) & 0x3f));
      add(0x80 | (point & 0x3f));
      i++;
      continue;
    }
    if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
    add(0xe0 | (code >> 12));
    add(0x80 | ((code >> 6) & 0x3f));
    add(0x80 | (code & 0x3f));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Drops a UTF-8 byte-order mark and trailing newlines, and turns CRLF and lone CR into LF. */
function normalize(bytes: Uint8Array): Uint8Array {
  let start = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
  let end = bytes.length;
  while (end > start && (bytes[end - 1] === LF || bytes[end - 1] === CR)) end--;
  if (bytes.indexOf(CR, start) === -1) return bytes.subarray(start, end);
  const out = new Uint8Array(end - start);
  let length = 0;
  for (let i = start; i < end; i++) {
    if (bytes[i] !== CR) out[length++] = bytes[i];
    else if (bytes[i + 1] !== LF) out[length++] = LF;
  }
  return out.subarray(0, length);
}

const CRC_TABLE = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** The CRC-32 (IEEE 802.3, as in zip and PNG) of `data`. */
function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
