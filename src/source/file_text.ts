/**
 * Reading a migration file's text exactly as its bytes say: UTF-8 without NUL bytes, or an error
 * naming the file, the line and the byte at fault.
 *
 * @module
 */
import { MigrationFileError } from "../shared/errors.ts";
import { fileError } from "./file_names.ts";

/**
 * A migration file's text, exactly as its bytes say, or a {@link MigrationFileError} naming the byte
 * at fault. Bytes that are not UTF-8 would read as U+FFFD, so that what runs is not what the file
 * says (Deno reads a `.ts` module the same way), and SQLite stops reading SQL at a NUL byte, so
 * the rest of a section would never run; both kinds of file are held to the same rule.
 *
 * The file is read as text, which leaves no buffer per file to collect; its bytes are read only
 * when the text has U+FFFD, to tell a byte that is not UTF-8 from a U+FFFD the file spells out.
 */
export function readSource(file: string): string {
  let source: string;
  let bytes: Uint8Array | undefined;
  try {
    source = Deno.readTextFileSync(file);
    if (source.includes("\uFFFD")) bytes = Deno.readFileSync(file);
  } catch (cause) {
    throw fileError(file, cause);
  }
  const invalid = bytes ? invalidUtf8Offset(bytes) : -1;
  if (invalid !== -1) throw notUtf8(file, bytes!, invalid);
  if (source.includes("\0")) throw nulByte(file);
  return source;
}

/**
 * The offset of the first byte that does not begin a well-formed UTF-8 sequence (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or -1 when every byte does.
 */
function invalidUtf8Offset(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    // RFC 3629's table: the lead byte gives the length and narrows the range of the second byte.
    const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    if (lead < 0xc2 || lead > 0xf4 || !(bytes[i + 1] >= low && bytes[i + 1] <= high)) return i;
    for (let k = 2; k < length; k++) {
      if (!(bytes[i + k] >= 0x80 && bytes[i + k] <= 0xbf)) return i;
    }
    i += length;
  }
  return -1;
}

/** The line (from 1) of a byte offset in a file's bytes. */
function lineAt(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let at = bytes.indexOf(0x0a); at !== -1 && at < offset; at = bytes.indexOf(0x0a, at + 1)) line++;
  return line;
}

function notUtf8(file: string, bytes: Uint8Array, offset: number): MigrationFileError {
  const shown = [...bytes.subarray(offset, offset + 4)].map((byte) => byte.toString(16).toUpperCase());
  const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  return new MigrationFileError(
    `${file}:${lineAt(bytes, offset)} is not UTF-8 at byte offset ${offset} (bytes ${shown.join(" ")})` +
      `${utf16 ? "; the file looks like UTF-16" : ""}. Migration files are read as UTF-8, and these ` +
      `bytes would run as U+FFFD instead of what they mean. Save the file as UTF-8 (if it was applied ` +
      `already, then record its new checksum with \`migrate accept\`).`,
    file,
  );
}

function nulByte(file: string): MigrationFileError {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(file);
  } catch (cause) {
    throw fileError(file, cause);
  }
  const offset = bytes.indexOf(0);
  return new MigrationFileError(
    `${file}:${lineAt(bytes, offset)} has a NUL byte at byte offset ${offset}. Migration files are text ` +
      `without NUL bytes: SQLite stops reading SQL at one, so what follows would never run. Remove it, ` +
      `or save the file as UTF-8 if it is in another encoding.`,
    file,
  );
}
