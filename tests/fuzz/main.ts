/**
 * `deno task fuzz [--trials N] [--seed S] [--files]`: runs N seeded trials from seed S (trial i uses
 * seed S + i, so a failing trial runs again alone with `--trials 1 --seed X`), prints every trial that
 * breaks the invariant (with its migration files given `--files`, or when it is the only trial), a
 * summary by cause, and exits with 1 when any did.
 *
 * @module
 */
import { causeOf, describeTrial } from "./report.ts";
import { runTrials, seedRange } from "./run_trials.ts";

function flag(name: string, fallback: number): number {
  const at = Deno.args.indexOf(`--${name}`);
  if (at === -1) return fallback;
  const value = Number(Deno.args[at + 1]);
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`--${name} must be a whole number; got "${Deno.args[at + 1] ?? ""}".`);
    Deno.exit(2);
  }
  return value;
}

const unknown = Deno.args.filter((arg, i) =>
  arg.startsWith("--")
    ? !["--trials", "--seed", "--files"].includes(arg)
    : !["--trials", "--seed"].includes(Deno.args[i - 1])
);
if (unknown.length > 0) {
  console.error(`Unknown argument ${unknown[0]}. Usage: deno task fuzz [--trials N] [--seed S] [--files]`);
  Deno.exit(2);
}
const trials = flag("trials", 100);
const seed = flag("seed", 1);
const files = Deno.args.includes("--files") || trials === 1;
const started = performance.now();
let done = 0;
const results = await runTrials(seedRange(seed, trials), (result) => {
  done++;
  if (result.violations.length > 0) console.log(describeTrial(result, { files }).join("\n"));
  else if (trials === 1) console.log(describeTrial(result, { files: false }).join("\n"));
  if (done % 100 === 0) console.error(`${done} of ${trials} trials`);
});
const seconds = (performance.now() - started) / 1000;
const failing = results.filter((r) => r.violations.length > 0);
const causes = Map.groupBy(failing, causeOf);
const processes = results.reduce((n, r) => n + r.processes.length, 0);
const rate = (trials / seconds).toFixed(1);
console.log(
  `\n${trials} trials from seed ${seed} in ${
    seconds.toFixed(1)
  } s (${rate} trials/s, ${processes} processes): ` +
    `${failing.length} broke the invariant.`,
);
for (const [cause, group] of [...causes].sort((a, b) => b[1].length - a[1].length)) {
  console.log(`  ${group.length} × ${cause}\n      seeds ${group.map((r) => r.seed).join(", ")}`);
}
if (failing.length > 0 && !files) {
  console.log(`Run one again with its migration files: deno task fuzz --trials 1 --seed ${failing[0].seed}`);
}
Deno.exit(failing.length > 0 ? 1 : 0);
