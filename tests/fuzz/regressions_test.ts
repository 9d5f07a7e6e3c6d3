/**
 * Seeds of the fuzz suite that broke the invariant, each named for the behaviour it catches, then
 * every other failing seed found between 201 and 1,000 (1 to 200 run in tests/fuzz_test.ts).
 *
 * A seed names a trial of the generator as it is: each test first checks that its seed still draws
 * the same trial (a fingerprint of the plan), so a change to the generator fails here loudly instead
 * of quietly turning these into tests of something else. After such a change, run
 * `deno task fuzz --trials 1000` and pick the seeds again.
 */
import assert from "node:assert/strict";
import { FIXES_PENDING } from "./fixes_pending.ts";
import { generateTrial } from "./generate.ts";
import { describeTrial } from "./report.ts";
import { runTrials } from "./run_trials.ts";

/** The first 12 hex digits of the SHA-256 of the plans the seeds draw. */
async function fingerprint(seeds: readonly number[]): Promise<string> {
  const text = JSON.stringify(seeds.map(generateTrial));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("").slice(0, 12);
}

/** Runs the trials of `seeds` after checking they still draw the trials the test was written for. */
async function assertTrialsHold(seeds: readonly number[], expectedFingerprint: string): Promise<void> {
  assert.equal(
    await fingerprint(seeds),
    expectedFingerprint,
    `seeds ${seeds.join(", ")} no longer draw the trials this test names: the generator changed`,
  );
  const failing = (await runTrials(seeds)).filter((result) => result.violations.length > 0);
  assert.deepEqual(
    failing.map((result) => result.seed),
    [],
    failing.slice(0, 3).map((result) => describeTrial(result, { files: true }).join("\n")).join("\n\n"),
  );
}

/** [seed, fingerprint, the behaviour it checks]. */
const NAMED: [number, string, string][] = [
  [950, "c5759e7273ed", "calls a plain up() forgot to await never run once it throws"],
  [
    363,
    "dbeaeadb120a",
    "calls a plain up() made before returning a rejected promise are rolled back with it",
  ],
  [866, "0d9975a711d4", "every call of a .then chain commits with the migration that made it"],
  [377, "c5f3aa354e18", "a .then chain of a migration that rejects never runs after its rollback"],
  [617, "a2cb374daff3", "a failing call with .then(log) attached fails its migration"],
  [164, "329638e80ee5", "a failing call with .finally() attached fails its migration"],
  [985, "5900713ab141", "a failing call in an un-awaited Promise.all fails its migration"],
  [361, "74b5e4095c92", "a timer's call after up() returned writes nothing"],
  [56, "ae2a2ffde50a", "a timer's call from a migration outside a transaction never autocommits later"],
  [908, "7adbf0921505", "an executor kept in globalThis and called by a later migration writes nothing"],
  [239, "7bf8723d3177", "a kept executor called in a later migration never writes into that one's savepoint"],
  [265, "2e2549387fdb", "a caught RAISE(ROLLBACK) fails its migration and nothing after it autocommits"],
  [983, "b1583bf0295b", "a caught INSERT OR ROLLBACK fails its migration and nothing after it autocommits"],
  [
    23,
    "26b681ea5c03",
    "a .sql migration outside a transaction whose BEGIN … COMMIT fails is never committed half done",
  ],
  [
    24,
    "9e1f09780d59",
    "a .ts migration outside a transaction that leaves its own transaction open is rolled back",
  ],
];

for (const [seed, print, behaviour] of NAMED) {
  Deno.test({
    name: `fuzz seed ${seed}: ${behaviour}`,
    ignore: FIXES_PENDING,
    fn: () => assertTrialsHold([seed], print),
  });
}

/** The other seeds from 201 to 1,000 that broke the invariant on the branch the suite was written on. */
const OTHERS = [
  206,
  211,
  220,
  233,
  243,
  245,
  257,
  269,
  272,
  319,
  324,
  327,
  340,
  345,
  364,
  367,
  374,
  411,
  431,
  438,
  441,
  445,
  450,
  465,
  475,
  482,
  492,
  499,
  519,
  520,
  538,
  550,
  552,
  559,
  560,
  579,
  580,
  594,
  615,
  621,
  648,
  650,
  653,
  656,
  664,
  665,
  673,
  676,
  686,
  689,
  690,
  692,
  698,
  703,
  721,
  738,
  742,
  754,
  770,
  780,
  789,
  790,
  792,
  828,
  845,
  846,
  852,
  861,
  863,
  865,
  897,
  914,
  929,
  931,
  932,
  976,
  977,
  995,
];

Deno.test({
  name: `fuzz: the ${OTHERS.length} other seeds from 201 to 1,000 that broke the invariant hold it`,
  ignore: FIXES_PENDING,
  fn: () => assertTrialsHold(OTHERS, "ddab9a341489"),
});
