/**
 * The fault-injection suite in CI: 200 seeded trials of random migration sets run by the real CLI,
 * some killed part way, each judged after every process (see tests/fuzz/). `deno task fuzz` runs any
 * number of them from any seed.
 */
import { assertTrialsHold } from "./assert_trials.ts";
import { FIXES_PENDING } from "./fixes_pending.ts";
import { seedRange } from "./run_trials.ts";

Deno.test({
  name: "200 seeded fault-injection trials leave every database equal to its recorded migrations",
  ignore: FIXES_PENDING,
  fn: () => assertTrialsHold(seedRange(1, 200)),
});
