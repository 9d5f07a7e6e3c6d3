/**
 * The invariant, judged from the database alone: SQLite's integrity check is ok; the history is
 * versions 1 to k of the trial's files, each applied except a last one outside a transaction, which
 * may be `started` or `failed`; no migration the model says must fail is recorded as applied; and the
 * dump equals the model's replay of the applied migrations (plus any prefix of the effects of a
 * `started` or `failed` one, or the prefix a failed one left before it was marked pending).
 *
 * @module
 */
import type { DatabaseState } from "./database_state.ts";
import { firstDifferences } from "./dump.ts";
import type { Model, Residue } from "./model.ts";

/** A migration recorded as started or failed, and the longest prefix of its effects that matches. */
export interface OpenMigration {
  /** Its version. */
  version: number;
  /** `started` or `failed`. */
  state: string;
  /** How many of its effects the database holds; null when no prefix matches. */
  prefix: number | null;
}

/** What the judge found. */
export interface Verdict {
  /** Each way the database breaks the invariant, in words; empty when it holds. */
  violations: string[];
  /** The versions recorded as applied: 1 to this. */
  applied: number;
  /** The migration recorded as started or failed, if any. */
  open: OpenMigration | null;
}

/**
 * Judges a database against the model.
 *
 * @param residue What a failed migration outside a transaction left before it was marked pending.
 */
export function judge(state: DatabaseState, model: Model, residue: Residue | null): Verdict {
  const violations: string[] = [];
  if (state.integrity !== "ok") violations.push(`PRAGMA integrity_check: ${state.integrity}`);
  let applied = 0;
  let open: OpenMigration | null = null;
  for (const [index, row] of state.history.entries()) {
    const migration = model.migrations[row.version - 1];
    const last = index === state.history.length - 1;
    if (row.version !== index + 1) {
      violations.push(
        `the history is not versions 1 to k: ${state.history.map((r) => r.version).join(", ")}`,
      );
    } else if (!migration) {
      violations.push(`the history records version ${row.version}, which no file provides`);
    } else if (row.name !== migration.file) {
      violations.push(
        `the history names version ${row.version} "${row.name}", its file is ${migration.file}`,
      );
    } else if (row.state === "applied") {
      if (open === null) applied = row.version;
      const expectation = model.expectation(row.version);
      if (expectation.fate === "fails") {
        violations.push(
          `${migration.file} is recorded as applied, but it must fail: ${expectation.reasons.join("; ")}`,
        );
      }
    } else if (!last || migration.transactional || !["started", "failed"].includes(row.state)) {
      violations.push(
        `${migration.file} is recorded as ${row.state}` +
          `${migration.transactional ? " but runs in a transaction" : last ? "" : " with versions after it"}`,
      );
    } else {
      open = { version: row.version, state: row.state, prefix: null };
    }
  }
  if (violations.length > 0) return { violations, applied, open };
  const left = residue && residue.version === applied + 1 ? residue.prefix : 0;
  if (open === null) {
    const expected = model.dump(applied, left);
    if (state.dump !== expected) {
      violations.push(
        `the database differs from migrations 1 to ${applied} replayed` +
          (left ? ` (with ${left} effects of ${applied + 1} left from its failure)` : ""),
        ...firstDifferences(state.dump, expected),
      );
    }
    return { violations, applied, open };
  }
  const found = open;
  const count = model.expectation(found.version).effects.length;
  for (let prefix = count; prefix >= left && found.prefix === null; prefix--) {
    if (model.dump(applied, prefix) === state.dump) found.prefix = prefix;
  }
  if (found.prefix === null) {
    violations.push(
      `the database differs from migrations 1 to ${applied} replayed with any prefix of ${found.version}'s ` +
        `${count} effects (recorded ${found.state}); compared with all of them:`,
      ...firstDifferences(state.dump, model.dump(applied, count)),
    );
  }
  return { violations, applied, open: found };
}
