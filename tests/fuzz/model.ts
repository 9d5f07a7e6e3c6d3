/**
 * The expected databases of a trial: the model's migrations replayed with plain node:sqlite on a
 * fresh in-memory database, and dumped the way the real database is.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { dumpDatabase } from "./dump.ts";
import type { MigrationPlan, TrialPlan } from "./plan.ts";
import { applyEffect, applyStatements } from "./replay.ts";
import { type Expectation, expectationOf } from "./semantics.ts";

/** A prefix of its effects that a failed migration outside a transaction left behind. */
export interface Residue {
  /** The migration's version. */
  version: number;
  /** How many of its effects are in the database. */
  prefix: number;
}

/** The migrations of a trial with their expectations, and the dumps they must produce. */
export class Model {
  /** The migrations, by version from 1. */
  readonly migrations: readonly MigrationPlan[];
  /** What each must do, by the same index. */
  readonly expectations: readonly Expectation[];
  readonly #dumps = new Map<string, string>();

  constructor(plan: TrialPlan) {
    this.migrations = plan.migrations;
    this.expectations = plan.migrations.map(expectationOf);
  }

  /** The expectation of a version. */
  expectation(version: number): Expectation {
    return this.expectations[version - 1];
  }

  /** Versions 1 to `applied` applied, then `prefix` effects of the next one. */
  dump(applied: number, prefix = 0): string {
    return this.#cached(`${applied}+${prefix}`, (db) => this.#replay(db, applied, prefix));
  }

  /**
   * Versions 1 to `applied` applied and `prefix` effects of the next left behind, then the `down`
   * of each applied one, newest first: what `rollback --to 0` must leave.
   */
  dumpRolledBack(applied: number, prefix = 0): string {
    return this.#cached(`${applied}+${prefix}-`, (db) => {
      this.#replay(db, applied, prefix);
      for (let v = applied; v >= 1; v--) applyStatements(db, this.migrations[v - 1].down);
    });
  }

  #replay(db: DatabaseSync, applied: number, prefix: number): void {
    for (let v = 1; v <= applied; v++) {
      for (const effect of this.expectation(v).effects) applyEffect(db, effect);
    }
    for (const effect of this.expectations[applied]?.effects.slice(0, prefix) ?? []) applyEffect(db, effect);
  }

  #cached(key: string, build: (db: DatabaseSync) => void): string {
    let dump = this.#dumps.get(key);
    if (dump === undefined) {
      const db = new DatabaseSync(":memory:");
      try {
        // As in a run: enforcement is off, violations are the model's to avoid.
        db.exec("PRAGMA foreign_keys = OFF");
        build(db);
        dump = dumpDatabase(db);
      } finally {
        db.close();
      }
      this.#dumps.set(key, dump);
    }
    return dump;
  }
}
