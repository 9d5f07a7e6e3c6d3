/**
 * Checksums of migration sources, to notice an applied migration's file being edited. Line endings,
 * a byte-order mark and trailing newlines do not count, so a checkout on Windows or an editor that
 * adds a final newline does not look like an edit.
 *
 * The checksum is CRC-32 (IEEE), written `crc32:` and eight hex digits; the prefix names the
 * algorithm so a later one can tell old records apart. It guards against accidents, not attackers
 * (as Flyway's does), and it is cheap: every start of every app that migrates on start-up checksums
 * every migration file, and a table-driven CRC over a thousand files costs about 2 ms where SHA-256
 * costs 10 to 30 ms (WebCrypto's is async per file; `node:crypto` alone takes ~12 ms to load).
 *
 * @module
 */

const CR = 0x0d;
const LF = 0x0a;

/** The checksum of a migration's source, given as text or as the bytes of a UTF-8 file. */
export function checksumOf(source: string | Uint8Array): string {
  const bytes = typeof source === "string" ? new TextEncoder().encode(source) : source;
  return `crc32:${crc32(normalize(bytes)).toString(16).padStart(8, "0")}`;
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
export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
