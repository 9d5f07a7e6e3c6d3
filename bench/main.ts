/**
 * `deno task bench` and `deno task bench:smoke`: runs the benchmark, prints a Markdown
 * table with the targets, and writes `latest.json` and the W1 chart `w1.svg`.
 *
 * Usage: `deno task bench [--smoke] [--out DIR]` (the task's permissions: files, running processes —
 * the CLI, the bounds, GNU time, git, cat — and load average and memory size; the CLI and the bounds
 * it spawns get exactly the `migrate` task's flags)
 * (results go to bench/results/, or bench/results/smoke/ with --smoke, unless --out says otherwise).
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { renderW1Chart } from "./chart_svg.ts";
import { FULL_PLAN, SMOKE_PLAN } from "./plan.ts";
import { formatReport } from "./report_table.ts";
import { runBench } from "./run_bench.ts";
import { repoPath } from "./task_flags.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { smoke: { type: "boolean" }, out: { type: "string" } },
  strict: true,
});
const plan = values.smoke ? SMOKE_PLAN : FULL_PLAN;
const out = values.out ?? repoPath(values.smoke ? "bench/results/smoke" : "bench/results");
const report = await runBench(plan, (line) => console.error(line));
await Deno.mkdir(out, { recursive: true });
await Deno.writeTextFile(join(out, "latest.json"), JSON.stringify(report, null, 2) + "\n");
await Deno.writeTextFile(join(out, "w1.svg"), renderW1Chart(report.results, report.machine));
console.log(formatReport(report));
console.log(`\nWrote ${join(out, "latest.json")} and ${join(out, "w1.svg")}.`);
