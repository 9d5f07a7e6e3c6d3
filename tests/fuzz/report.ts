/**
 * Words for a trial: each migration's operations in one line, the processes run, what broke, and
 * a short cause that groups violations of the same kind.
 *
 * @module
 */
import type { Op } from "./plan.ts";
import { expectationOf } from "./semantics.ts";
import type { TrialResult } from "./trial.ts";

/** One operation in a few words: `insert into forgotten`, `.then chain`, `timer 40ms`. */
function describeOp(op: Op): string {
  switch (op.kind) {
    case "statement": {
      const what = op.outcome === "changes" ? "" : ` ${op.outcome}`;
      return `${op.sql.split(" ").slice(0, 2).join(" ").toLowerCase()} ${op.style}${what}`;
    }
    case "chain":
      return `.then chain${op.awaited ? " (awaited)" : ""}`;
    case "all":
      return `Promise.all${op.awaited ? "" : " un-awaited"}${
        op.members.some((m) => m.outcome === "error") ? " error" : ""
      }`;
    case "block":
      return `BEGIN…COMMIT${op.failing ? " error" : ""}`;
    case "sleep":
      return `sleep ${op.ms}ms`;
    case "store":
      return "keeps executor";
    case "stale":
      return `kept executor of ${op.owner}${op.awaited ? " (awaited)" : ""}`;
    case "timer":
      return `timer ${op.ms}ms`;
    case "throw":
    case "reject":
      return op.kind;
  }
}

/** The trial in lines: its plan, the processes, the violation; with `files`, every migration file. */
export function describeTrial(result: TrialResult, options: { files: boolean }): string[] {
  const { plan } = result;
  const kill = plan.firstRun.kill;
  const lines = [
    `seed ${result.seed}: ${plan.wal ? "WAL" : "rollback journal"}, first run ${
      plan.firstRun.to ? `up --to ${plan.firstRun.to}` : "up"
    }${kill ? `, ${kill.signal} after ${kill.afterMs} ms` : ""}`,
  ];
  for (const m of plan.migrations) {
    const e = expectationOf(m);
    lines.push(
      `  ${m.file}${m.transactional ? "" : " (transaction: false)"}${
        m.format === "ts" && !m.asyncUp ? " (plain up)" : ""
      }` +
        ` ${e.fate}: ${m.ops.map(describeOp).join(", ")}`,
    );
  }
  lines.push(
    `  processes: ${
      result.processes.map((p) =>
        `${p.args.slice(0, p.args.indexOf("--db")).join(" ")} → ${p.signal ?? p.code}${
          p.kill ? ` (sent ${p.kill.signal})` : ""
        }`
      ).join("; ")
    }`,
  );
  for (const [index, p] of result.processes.entries()) {
    if (p.stderr) lines.push(`  stderr of process ${index + 1}: ${p.stderr.split("\n")[0].slice(0, 300)}`);
  }
  lines.push(...result.violations.map((line) => `  ${line}`));
  if (options.files) {
    for (const [name, text] of Object.entries(result.files)) {
      lines.push(
        `  --- ${name}`,
        ...text.trimEnd().split("\n").map((l) => `  ${l}`),
      );
    }
  }
  return lines;
}

/**
 * A short cause that groups violations of one kind. For a dump that differs: whether the rows at
 * fault are extra or missing, whose they are (a migration recorded as applied or not), and what
 * wrote them (a late call, a `.then` chain, another statement).
 */
export function causeOf(result: TrialResult): string {
  const first = result.violations[1] ?? "";
  const applied = Number(/migrations 1 to (\d+)/.exec(first)?.[1] ?? NaN);
  if (Number.isNaN(applied)) return first.replace(/\d{3}_m\d+\.(ts|sql)/g, "FILE.$1").replace(/\d+/g, "N");
  const kinds = new Set<string>();
  for (const line of result.violations) {
    const match = /^ {2}([+-]) (?:(?:table|index|trigger) )?(?:t_(\d+)|log \[(\d+),(\d+)\]|log)/.exec(line);
    if (!match) continue;
    const version = Number(match[2] ?? match[3] ?? 1);
    const n = Number(match[4] ?? 0);
    const what = n >= 900_000_000 ? "late-call row" : n >= 10_000_000 ? "chained row" : "row or object";
    const whose = version <= applied ? "an applied migration" : "a migration not applied";
    kinds.add(`${match[1] === "+" ? "extra" : "missing"} ${what} of ${whose}`);
  }
  const prefix = first.includes("any prefix") ? " (a started or failed one's prefix)" : "";
  return `dump differs${prefix}: ${[...kinds].sort().join(", ")}`;
}
