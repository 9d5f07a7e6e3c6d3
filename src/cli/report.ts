/**
 * Human-readable reports of what the CLI did: one line per migration, a summary line, dry-run
 * previews and the status table, coloured only on a terminal.
 *
 * @module
 */
import type { MigrationStatus } from "../core/planner.ts";
import { formatDuration, formatVersion } from "../shared/format.ts";
import type { StepResult } from "../core/step.ts";

/** Whether output may be coloured. */
export interface Terminal {
  /** True on a terminal without NO_COLOR. */
  color: boolean;
}

const COLORS = { red: 31, green: 32, yellow: 33, dim: 2 } as const;

/** Wraps text in an ANSI colour when the terminal allows it. */
export function paint(terminal: Terminal, color: keyof typeof COLORS, text: string): string {
  return terminal.color ? `\x1b[${COLORS[color]}m${text}\x1b[0m` : text;
}

/** The report of a migrate or rollback, line by line: a line per migration, then a summary. */
export function* runReport(
  terminal: Terminal,
  database: string,
  result: { steps: StepResult[]; currentVersion: number; dryRun: boolean; backup?: string },
  command: "migrate" | "rollback",
  elapsedMs: number,
): Generator<string> {
  if (result.backup) yield `Backed up ${database} to ${result.backup}`;
  for (const step of result.steps) {
    yield result.dryRun ? previewLine(terminal, step) : stepLine(terminal, step);
    for (const notice of step.notices ?? []) yield `  ${paint(terminal, "yellow", "note:")} ${notice}`;
  }
  // A dry run stops at the first migration it cannot preview: the ones it ran are not all a run would do.
  const unpreviewed = result.steps.find((s) => s.preview?.skipped);
  const count = result.steps.length - (unpreviewed ? 1 : 0);
  const noun = `migration${count === 1 ? "" : "s"}`;
  const verb = command === "migrate" ? "applied" : "rolled back";
  if (result.steps.length === 0) {
    yield `Nothing to ${
      command === "migrate" ? "apply" : "roll back"
    }: ${database} is at version ${result.currentVersion}.`;
  } else if (result.dryRun && unpreviewed) {
    const rest = `${formatVersion(unpreviewed.version)} ${unpreviewed.description} and any after it`;
    yield count === 0
      ? `Dry run: ${rest} would be ${verb} but were not previewed; ${database} is unchanged at version ` +
        `${result.currentVersion}.`
      : `Dry run: ${count} ${noun} would be ${verb}, then ${rest}, which were not previewed; all of it was ` +
        `rolled back and ${database} is unchanged at version ${result.currentVersion}.`;
  } else if (result.dryRun) {
    yield `Dry run: ${count} ${noun} would be ${verb}; all of it was rolled back and ${database} is unchanged ` +
      `at version ${result.currentVersion}.`;
  } else {
    yield `${database} is now at version ${result.currentVersion} (${count} ${noun} ${verb} in ${
      formatDuration(elapsedMs)
    }).`;
  }
}

function stepLine(terminal: Terminal, step: StepResult): string {
  const verb = step.direction === "up"
    ? paint(terminal, "green", "Applied")
    : paint(terminal, "yellow", "Rolled back");
  return `${verb} ${formatVersion(step.version)} ${step.description} (${formatDuration(step.durationMs)})`;
}

function previewLine(terminal: Terminal, step: StepResult): string {
  const head = `${step.direction === "up" ? "Would apply" : "Would roll back"} ${
    formatVersion(step.version)
  } ${step.description}`;
  const preview = step.preview;
  if (!preview) return head;
  if (preview.skipped) return `${head}: ${paint(terminal, "yellow", "not previewed")}, ${preview.skipped}`;
  const parts = [
    `${step.calls} call${step.calls === 1 ? "" : "s"}`,
    `${preview.rowsChanged} row${preview.rowsChanged === 1 ? "" : "s"} changed`,
    ...(preview.created.length ? [`creates ${preview.created.join(", ")}`] : []),
    ...(preview.altered.length ? [`changes ${preview.altered.join(", ")}`] : []),
    ...(preview.dropped.length ? [paint(terminal, "red", `drops ${preview.dropped.join(", ")}`)] : []),
  ];
  const warnings = preview.destructive.map((change) =>
    `\n    ${paint(terminal, "red", "destructive:")} ${change}`
  );
  return `${head}: ${parts.join("; ")}${warnings.join("")}`;
}

/**
 * The status report: where the database is, a table of its migrations (each with its state, or
 * what is wrong with it), and what stops `up`, each problem with what to do.
 */
export function statusReport(
  terminal: Terminal,
  database: string,
  status: MigrationStatus,
  note = "",
): string {
  const count = status.problems.length;
  const state = status.currentVersion > status.latestVersion
    ? paint(terminal, "red", `newer than the newest known migration (${status.latestVersion})`)
    : count > 0
    ? paint(terminal, "red", `${count} problem${count === 1 ? " stops" : "s stop"} up (below)`)
    : status.pendingCount === 0
    ? paint(terminal, "green", "up to date")
    : paint(terminal, "yellow", `${status.pendingCount} pending`);
  const lines = [
    `Database  ${database}${note}`,
    `Version   ${status.currentVersion} of ${status.latestVersion}, ${state}`,
    `Last run  ${status.lastRun ?? "never"}`,
  ];
  if (status.migrations.length > 0) {
    const labels = status.migrations.map((m) => m.problem ?? (m.known ? m.state : "unknown"));
    const width = Math.max(8, ...labels.map((label) => label.length));
    lines.push("", `  Version  ${"State".padEnd(width)}  Applied at                Description`);
    status.migrations.forEach((m, i) => {
      const color = m.problem !== null
        ? "red"
        : m.state === "applied" && m.known
        ? "green"
        : m.state === "pending"
        ? "yellow"
        : "red";
      const shown = paint(terminal, color, labels[i].padEnd(width));
      lines.push(
        `  ${formatVersion(m.version).padEnd(7)}  ${shown}  ${
          (m.appliedAt ?? "").padEnd(24)
        }  ${m.description}`,
      );
    });
  }
  if (count > 0) lines.push("", ...status.problems.map((p) => `- ${p.message}`));
  return lines.join("\n");
}
