/**
 * Human-readable reports of what the CLI did: one line per migration, a summary line, and the status
 * table.
 *
 * @module
 */
import type { MigrationStatus } from "./planner.ts";
import type { StepResult } from "./runner.ts";

/** A version as the CLI shows it: zero-padded to three digits like the file names. */
export function formatVersion(version: number): string {
  return String(version).padStart(3, "0");
}

/** A duration in the unit that reads best. */
export function formatDuration(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** One line for a migration applied or rolled back. */
export function stepLine(step: StepResult): string {
  const verb = step.direction === "up" ? "Applied" : "Rolled back";
  return `${verb} ${formatVersion(step.version)} ${step.description} (${formatDuration(step.durationMs)})`;
}

/** The summary after a migrate or rollback. */
export function summaryLine(
  database: string,
  result: { steps: StepResult[]; currentVersion: number },
  command: "migrate" | "rollback",
  elapsedMs: number,
): string {
  const count = result.steps.length;
  if (count === 0) return `Nothing to ${command}: ${database} is at version ${result.currentVersion}.`;
  const noun = `migration${count === 1 ? "" : "s"}`;
  const verb = command === "migrate" ? "applied" : "rolled back";
  return `${database} is now at version ${result.currentVersion} (${count} ${noun} ${verb} in ${
    formatDuration(elapsedMs)
  }).`;
}

/** The status report as a table. */
export function statusReport(database: string, status: MigrationStatus, note = ""): string {
  const state = status.currentVersion > status.latestVersion
    ? `newer than the newest known migration (${status.latestVersion})`
    : status.pendingCount === 0
    ? "up to date"
    : `${status.pendingCount} pending`;
  const lines = [
    `Database  ${database}${note}`,
    `Version   ${status.currentVersion} of ${status.latestVersion}, ${state}`,
    `Last run  ${status.lastRun ?? "never"}`,
  ];
  if (status.migrations.length > 0) {
    lines.push("", "  Version  State     Applied at                Description");
    for (const m of status.migrations) {
      const label = m.applied ? (m.known ? "applied" : "unknown") : "pending";
      lines.push(
        `  ${formatVersion(m.version).padEnd(7)}  ${label.padEnd(8)}  ${
          (m.appliedAt ?? "").padEnd(24)
        }  ${m.description}`,
      );
    }
  }
  return lines.join("\n");
}
