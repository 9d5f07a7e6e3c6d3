/**
 * The assertion the fuzz tests share: the trials of some seeds all hold the invariant, and, for
 * seeds picked by hand, still draw the trials they were picked for.
 *
 * @module
 */
import assert from "node:assert/strict";
import { generateTrial } from "./generate.ts";
import { describeTrial } from "./report.ts";
import { runTrials } from "./run_trials.ts";

/** The first 12 hex digits of the SHA-256 of the plans the seeds draw. */
export async function fingerprint(seeds: readonly number[]): Promise<string> {
  const text = JSON.stringify(seeds.map(generateTrial));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("").slice(0, 12);
}

/**
 * Runs the trials of `seeds` and fails, showing up to three of them with their files, if any breaks
 * the invariant. With `expectedFingerprint`, first checks that the seeds still draw the same trials:
 * a change to the generator then fails loudly instead of quietly testing something else.
 */
export async function assertTrialsHold(
  seeds: readonly number[],
  expectedFingerprint?: string,
): Promise<void> {
  if (expectedFingerprint !== undefined) {
    assert.equal(
      await fingerprint(seeds),
      expectedFingerprint,
      `seeds ${seeds.join(", ")} no longer draw the trials this test names: the generator changed`,
    );
  }
  const failing = (await runTrials(seeds)).filter((result) => result.violations.length > 0);
  assert.deepEqual(
    failing.map((result) => result.seed),
    [],
    failing.slice(0, 3).map((result) => describeTrial(result, { files: true }).join("\n")).join("\n\n"),
  );
}
