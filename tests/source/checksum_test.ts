import assert from "node:assert/strict";
import { join } from "node:path";
import { loadMigrations } from "../../mod.ts";
import { checksumOf } from "../../src/source/checksum.ts";
import { withTempDir } from "../support/util.ts";

/** A deterministic pseudo-random sequence (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test("a text and its UTF-8 bytes have the same checksum, whatever the characters", () => {
  const pieces = [
    "a",
    " ",
    "\n",
    "\r",
    "\r\n",
    "\uFEFF",
    "é",
    "߿",
    "ࠀ",
    "€",
    "\uFFFF",
    "𝄞",
    "\uD800",
    "\uDC00",
    "\uFFFD",
    "-- migrate:up",
  ];
  const next = random(5);
  for (let i = 0; i < 20_000; i++) {
    const text = Array.from(
      { length: Math.floor(next() * 12) },
      () => pieces[Math.floor(next() * pieces.length)],
    )
      .join("");
    assert.equal(checksumOf(text), checksumOf(new TextEncoder().encode(text)), JSON.stringify(text));
  }
});

Deno.test("a file that spells U+FFFD in UTF-8 is checksummed as its bytes", async () => {
  await withTempDir(async (dir) => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode("\uFEFF-- migrate:up\r\nSELECT '"),
      0xef,
      0xbf,
      0xbd,
      ...new TextEncoder().encode("';\r\n"),
    ]);
    Deno.writeFileSync(join(dir, "001_replacement.sql"), bytes);
    const [migration] = await loadMigrations(dir);
    assert.equal(migration.checksum, checksumOf(bytes));
    assert.equal(migration.checksum, checksumOf("-- migrate:up\nSELECT '\uFFFD';"));
  });
});
