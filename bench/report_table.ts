/**
 * The printed report: a Markdown table of every workload, then the targets with PASS/FAIL, so the
 * output pastes into docs/performance.md as it is.
 *
 * @module
 */
import { machineLine } from "./machine.ts";
import { marginalCosts } from "./targets.ts";
import type { BenchReport, FleetResult, PairedResult, Summary, TargetResult } from "./types.ts";

/**
 * The whole report as text: heading, notes, results table, W1 marginal costs, the fleet start-up
 * and targets.
 */
export function formatReport(report: BenchReport): string {
  const lines = [
    `## strata benchmark (${report.mode}): \`${report.command}\``,
    "",
    `Machine: ${machineLine(report.machine)}. Memory: ${report.machine.memoryMethod}.`,
    `Run ${report.startedAt} on ${report.revision}, ${report.durationS.toFixed(1)} s. Flags (migrate task): ${
      report.taskFlags.join(" ")
    }`,
    "",
    ...report.notes.map((note) => `- ${note}`),
    "",
    "| workload | pairs | ours ms, median (min–max) | bound ms, median (min–max) | ours/bound, median (min–max) | peak RSS MiB, ours / bound |",
    "|---|--:|--:|--:|--:|--:|",
    ...report.results.map(resultRow),
    "",
    ...marginalLines(report.results),
    ...fleetLines(report),
    "| target | measured | limit | result |",
    "|---|--:|--:|---|",
    ...report.targets.map((t) =>
      `| ${t.description} | ${
        t.value === null ? "—" : `${t.value.toFixed(2)}${unit(t.unit)}`
      } | ≤ ${t.limit}${unit(t.unit)} | ${t.status} |`
    ),
  ];
  return lines.join("\n");
}

function resultRow(r: PairedResult): string {
  const memory = r.ours.peakKb && r.bound.peakKb
    ? `${mib(r.ours.peakKb.median)} / ${mib(r.bound.peakKb.median)} (${r.memoryRatio!.toFixed(2)}×)`
    : "—";
  return `| ${r.label} (${r.scope}) | ${r.repetitions} | ${times(r.ours.time)} | ${times(r.bound.time)} | ` +
    `${ratio(r.ratio)} | ${memory} |`;
}

function marginalLines(results: readonly PairedResult[]): string[] {
  const sides = [
    { name: "ours", costs: marginalCosts(results, (r) => r.ours.time.median) },
    { name: "bound", costs: marginalCosts(results, (r) => r.bound.time.median) },
    { name: "ours − bound", costs: marginalCosts(results, (r) => r.ours.time.median - r.bound.time.median) },
  ];
  if (sides.some((side) => side.costs === null)) return [];
  return [
    "W1 marginal cost per migration, from the medians:",
    "",
    ...sides.map(({ name, costs }) =>
      `- ${name}: ${costs!.from100.toFixed(3)} ms/migration for N=100→1,000, ${costs!.from1000.toFixed(3)} ` +
      `for N=1,000→10,000 (${(costs!.from1000 / costs!.from100).toFixed(2)}×)`
    ),
    "",
  ];
}

function times(s: Summary): string {
  return `${ms(s.median)} (${ms(s.min)}–${ms(s.max)})`;
}

function ratio(s: Summary): string {
  return `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
}

function ms(value: number): string {
  if (value < 10) return value.toFixed(2);
  if (value < 1000) return value.toFixed(1);
  return Math.round(value).toLocaleString("en");
}

function unit(name: TargetResult["unit"]): string {
  return name === "ms" ? " ms" : name === "count" ? "" : name;
}

function fleetLines(report: BenchReport): string[] {
  if (report.remoteSkipped !== null) return [`On a libSQL server: not run (${report.remoteSkipped}).`, ""];
  const row = (f: FleetResult) =>
    `| ${f.phase} | ${f.instances} | ${f.known} | ${f.errors} | ${f.writeTransactions} | ${f.applied} | ` +
    `${ms(f.startMs.p50)} / ${ms(f.startMs.p99)} / ${ms(f.startMs.max)} | ${ms(f.lockHeldMs.median)} / ` +
    `${ms(f.lockHeldMs.max)} | ${f.roundTripsPerStart} |`;
  const trips = report.results.filter((r) => r.roundTrips && r.scope === "process").map((r) =>
    `- ${r.label}: ${r.roundTrips!.ours} HTTP requests ours, ${r.roundTrips!.bound} the bound's.`
  );
  return [
    ...trips,
    "",
    "Fleet start-up on sqld (in-process clients, all at once):",
    "",
    "| phase | instances | known | failed | write transactions | applied | start ms p50 / p99 / max | lock held ms median / max | requests per start |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...report.fleet.map(row),
    "",
  ];
}

function mib(kb: number): string {
  return (kb / 1024).toFixed(1);
}
