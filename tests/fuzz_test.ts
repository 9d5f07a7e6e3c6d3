/**
 * The fault-injection suite in CI: 200 seeded trials of random migration sets run by the real CLI,
 * some killed part way, each judged after every process (see tests/fuzz/). `deno task fuzz` runs any
 * number of them from any seed.
 */
import assert from "node:assert/strict";
import { FIXES_PENDING } from "./fuzz/fixes_pending.ts";
import { describeTrial } from "./fuzz/report.ts";
import { runTrials, seedRange } from "./fuzz/run_trials.ts";

Deno.test({
  name: "200 seeded fault-injection trials leave every database equal to its recorded migrations",
  ignore: FIXES_PENDING,
  async fn() {
    const results = await runTrials(seedRange(1, 200));
    const failing = results.filter((result) => result.violations.length > 0);
    assert.deepEqual(
      failing.map((result) => result.seed),
      [],
      failing.slice(0, 3).map((result) => describeTrial(result, { files: true }).join("\n")).join("\n\n"),
    );
  },
});
