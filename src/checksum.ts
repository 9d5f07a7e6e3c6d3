/**
 * Checksums of migration sources. Line endings, a byte-order mark and trailing newlines do not count,
 * so a checkout on Windows or an editor that adds a final newline does not look like an edit.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** The SHA-256 of a migration's source text, after normalising line endings and the end of file. */
export function checksumOf(source: string): string {
  const normalized = source.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n").replace(/\n+$/, "");
  return createHash("sha256").update(normalized).digest("hex");
}
