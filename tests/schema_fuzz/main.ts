/**
 * Runs the generator fuzzer: `deno task fuzz:schema [--seed N] [--cases N]`. Each case is a random
 * schema with rows, random changes, and the migration strata generates between them, checked as
 * `case.ts` says. Prints every failing case with its seed (run it again with `--seed S --cases 1`),
 * the time generation took, and exits with 1 when any case failed.
 *
 * @module
 */
import { runCase } from "./case.ts";

const args = Deno.args;
const flag = (name: string, fallback: number) => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(args[at + 1]);
};
const seed = flag("seed", 1);
const cases = flag("cases", 500);
const verbose = args.includes("--verbose");
const started = performance.now();
let failed = 0;
let slowest = 0;
let total = 0;
for (let n = 0; n < cases; n++) {
  const result = await runCase(seed + n);
  total += result.generateMs;
  slowest = Math.max(slowest, result.generateMs);
  if (result.failures.length === 0) continue;
  failed++;
  console.log(`seed ${result.seed}: ${result.steps.join("; ")}`);
  for (const failure of result.failures) console.log(`  - ${failure.slice(0, verbose ? undefined : 2000)}`);
  if (verbose) {
    console.log(`${result.before}\n--- to ---\n${result.after}\nrename: ${JSON.stringify(result.rename)}`);
  }
}
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `${cases - failed} of ${cases} cases passed (seeds ${seed} to ${seed + cases - 1}) in ${seconds} s; ` +
    `generation took ${(total / cases).toFixed(1)} ms a case on average, ${slowest.toFixed(0)} ms at most.`,
);
Deno.exit(failed === 0 ? 0 : 1);
