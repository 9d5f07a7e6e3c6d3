/**
 * The performance targets, checked against the results of one run. Every ratio is ours over
 * the lower bound measured in the same run.
 *
 * @module
 */
import type { FleetResult, PairedResult, TargetResult } from "./types.ts";

/**
 * How much the marginal cost per migration may grow from N = 100…1,000 to N = 1,000…10,000 and
 * still count as flat (linear in N).
 */
export const FLAT_TOLERANCE = 1.25;

/** Checks every target; one not measured in this run (smoke mode, no sqld) is `SKIP`. */
export function evaluateTargets(
  results: readonly PairedResult[],
  fleet: readonly FleetResult[] = [],
): TargetResult[] {
  const find = (key: string) => results.find((r) => r.key === key);
  const phase = (name: string) => fleet.find((f) => f.phase === name);
  const idle = phase("nothing pending");
  const oneNew = phase("one new migration");
  return [
    target("W1 N=1,000: ours/bound", find("w1-apply-1000")?.ratio.median, 1.5, "×"),
    target(
      `W1 time per migration flat: marginal ms/migration for N=1,000→10,000 over N=100→1,000`,
      growth(marginalCosts(results, (r) => r.ours.time.median)),
      FLAT_TOLERANCE,
      "×",
    ),
    target(
      `W1 our cost over the bound per migration flat: same growth of (ours − bound)`,
      growth(marginalCosts(results, (r) => r.ours.time.median - r.bound.time.median)),
      FLAT_TOLERANCE,
      "×",
    ),
    target("W2 CLI apply no-op, 1,000 applied: ours/bound", find("w2-apply-1000")?.ratio.median, 1.3, "×"),
    target("W2 CLI status, 1,000 applied: ours/bound", find("w2-status-1000")?.ratio.median, 1.5, "×"),
    target(
      "W2 openDatabase() no-op, 1,000 known (array): median",
      find("w2-open-array-1000")?.ours.time.median,
      2,
      "ms",
    ),
    target(
      "W2 openDatabase() no-op, 1,000 known (directory): median",
      find("w2-open-directory-1000")?.ours.time.median,
      2,
      "ms",
    ),
    target(
      "W3 data migrations, 1,000,000 rows: ours/bound",
      find("w3-data-1000000")?.ratio.median,
      1.05,
      "×",
    ),
    target("W1 N=10,000 peak memory: ours/bound", find("w1-apply-10000")?.memoryRatio ?? undefined, 1.5, "×"),
    target(
      "W4 one section of 300,000 statements: ours/sqlite3 shell",
      find("w4-section-300000")?.ratio.median,
      2,
      "×",
    ),
    target(
      "R1 N=100 on sqld, in process: ours/bound",
      find("r1-apply-100-in-process")?.ratio.median,
      1.3,
      "×",
    ),
    target(
      "Fleet of 100, nothing pending: failed starts + write transactions",
      idle?.instances === 100 ? idle.errors + idle.writeTransactions : undefined,
      0,
      "count",
    ),
    target(
      "Fleet of 100, one new migration: failed starts + runs of it beyond one",
      oneNew?.instances === 100 ? oneNew.errors + Math.abs(oneNew.applied - 1) : undefined,
      0,
      "count",
    ),
  ];
}

/** Marginal milliseconds per migration of one side of W1, between the sizes the targets name. */
export interface MarginalCosts {
  /** From N = 100 to N = 1,000. */
  from100: number;
  /** From N = 1,000 to N = 10,000. */
  from1000: number;
}

/**
 * W1's marginal cost per migration of `value` (a median, say), or null when a size was not run.
 * Marginal costs leave out Deno's start-up, which would otherwise make small N look dearer.
 */
export function marginalCosts(
  results: readonly PairedResult[],
  value: (result: PairedResult) => number,
): MarginalCosts | null {
  const [small, mid, large] = [100, 1_000, 10_000].map((n) => results.find((r) => r.key === `w1-apply-${n}`));
  if (!small || !mid || !large) return null;
  const slope = (a: PairedResult, b: PairedResult) => (value(b) - value(a)) / (b.n - a.n);
  return { from100: slope(small, mid), from1000: slope(mid, large) };
}

function growth(costs: MarginalCosts | null): number | undefined {
  return costs ? costs.from1000 / costs.from100 : undefined;
}

function target(
  description: string,
  value: number | undefined,
  limit: number,
  unit: TargetResult["unit"],
): TargetResult {
  if (value === undefined) return { description, value: null, limit, unit, status: "SKIP" };
  return { description, value, limit, unit, status: value <= limit ? "PASS" : "FAIL" };
}
