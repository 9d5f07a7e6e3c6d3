/**
 * One trial: writes the migrations of a seed as files, runs the real CLI on them (the first run
 * maybe killed), and judges the database after every process: then a clean re-run must converge
 * and change nothing further, and `rollback --to 0` must leave no user table.
 *
 * @module
 */
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { type DatabaseState, readDatabaseState } from "./database_state.ts";
import { firstDifferences } from "./dump.ts";
import { generateTrial } from "./generate.ts";
import { judge, type Verdict } from "./invariant.ts";
import { Model, type Residue } from "./model.ts";
import type { KillPlan, TrialPlan } from "./plan.ts";
import { renderSql } from "./render_sql.ts";
import { renderTs } from "./render_ts.ts";
import { type ProcessRecord, runStrata } from "./strata_process.ts";

/** What a trial found. */
export interface TrialResult {
  /** Its seed. */
  seed: number;
  /** What it did. */
  plan: TrialPlan;
  /** Its migration files, name → text. */
  files: Record<string, string>;
  /** The processes it ran, in order. */
  processes: ProcessRecord[];
  /** How the invariant broke, with where; empty when it held throughout. */
  violations: string[];
}

/** Runs the trial of `seed`; `denoDir` is the session's module cache (see {@link runStrata}). */
export async function runTrial(seed: number, options: { denoDir: string }): Promise<TrialResult> {
  const plan = generateTrial(seed);
  const files = Object.fromEntries(
    plan.migrations.map((m) => [m.file, m.format === "sql" ? renderSql(m) : renderTs(m)]),
  );
  const dir = await Deno.makeTempDir({ prefix: "strata_fuzz_" });
  const trial = new Trial(dir, plan, options.denoDir);
  try {
    await Deno.mkdir(join(dir, "migrations"));
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(join(dir, "migrations", name), text);
    }
    if (plan.wal) createWalDatabase(join(dir, "app.db"));
    await trial.exercise();
  } catch (error) {
    if (!(error instanceof Violation)) throw error;
    trial.violations.push(`${error.where}:`, ...error.lines);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return { seed, plan, files, processes: trial.processes, violations: trial.violations };
}

function createWalDatabase(path: string): void {
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA journal_mode = WAL");
  } finally {
    db.close();
  }
}

/** The invariant broke: where, and how. Ends the trial. */
class Violation extends Error {
  constructor(readonly where: string, readonly lines: string[]) {
    super(`${where}: ${lines.join("\n")}`);
  }
}

/** The state of one trial as it runs. */
class Trial {
  readonly processes: ProcessRecord[] = [];
  readonly violations: string[] = [];
  readonly #plan: TrialPlan;
  readonly #model: Model;
  readonly #db: string;
  readonly #dir: string;
  readonly #denoDir: string;
  #residue: Residue | null = null;
  #state: DatabaseState = { history: [], records: "", dump: "", integrity: "ok" };

  constructor(dir: string, plan: TrialPlan, denoDir: string) {
    this.#plan = plan;
    this.#model = new Model(plan);
    this.#db = join(dir, "app.db");
    this.#dir = join(dir, "migrations");
    this.#denoDir = denoDir;
  }

  async exercise(): Promise<void> {
    const { to, kill } = this.#plan.firstRun;
    await this.#strata(to === undefined ? ["up"] : ["up", "--to", String(to)], kill);
    const first = this.#check();
    // With every migration applied nothing is pending: a further run could only take the no-op path.
    const done = first.applied === this.#plan.migrations.length;
    const converged = done ? first : await this.#converge(first);
    this.#checkReach(converged);
    await this.#rollBackAll(converged);
  }

  /** Runs the CLI on the trial's database and directory. */
  async #strata(args: string[], kill?: KillPlan): Promise<ProcessRecord> {
    const run = await runStrata([...args, "--db", this.#db, "--dir", this.#dir, "--busy-timeout", "2000"], {
      denoDir: this.#denoDir,
      kill,
    });
    this.processes.push(run);
    if (run.timedOut) {
      throw new Violation(this.#where(), ["the process did not finish within its time limit"]);
    }
    return run;
  }

  #where(): string {
    const last = this.processes.at(-1);
    return last
      ? `after process ${this.processes.length} (${last.args.slice(0, 3).join(" ")})`
      : "before any process";
  }

  /** Reads the database and judges it; a violation ends the trial. */
  #check(): Verdict {
    this.#state = readDatabaseState(this.#db);
    const verdict = judge(this.#state, this.#model, this.#residue);
    if (verdict.violations.length > 0) throw new Violation(this.#where(), verdict.violations);
    return verdict;
  }

  /**
   * Records the outcome of a migration left started or failed, as a user who checked the database
   * would: applied when all of it is there, else pending (what it left stays, and is expected).
   */
  async #resolve(verdict: Verdict): Promise<Verdict> {
    const open = verdict.open;
    if (open === null) return verdict;
    const expectation = this.#model.expectation(open.version);
    const complete = open.prefix === expectation.effects.length && expectation.fate !== "fails";
    await this.#strata(["mark", String(open.version), complete ? "--applied" : "--pending"]);
    if (!complete) this.#residue = { version: open.version, prefix: open.prefix! };
    const after = this.#check();
    if (after.open !== null || after.applied !== (complete ? open.version : open.version - 1)) {
      throw new Violation(this.#where(), [`mark ${open.version} did not record the outcome`]);
    }
    return after;
  }

  /** The version every run must reach: the one before the first migration not sure to apply. */
  #floor(): number {
    const blocked = this.#model.expectations.findIndex((e) => e.fate !== "applies");
    return blocked === -1 ? this.#model.migrations.length : blocked;
  }

  /**
   * Runs `up` until a run makes no progress (resolving started or failed records first), trying
   * `up --to` the floor once when it stops below it; then a further run must change nothing.
   */
  async #converge(first: Verdict): Promise<Verdict> {
    let verdict = first;
    let targeted = false;
    for (let round = 0; round < this.#model.migrations.length + 4; round++) {
      verdict = await this.#resolve(verdict);
      const before = this.#state;
      const appliedBefore = verdict.applied;
      await this.#strata(["up"]);
      verdict = this.#check();
      const after = this.#state;
      if (after.dump !== before.dump || verdict.applied > appliedBefore) continue;
      if (verdict.applied < this.#floor() && !targeted) {
        targeted = true;
        await this.#strata(["up", "--to", String(this.#floor())]);
        verdict = this.#check();
        continue;
      }
      if (after.records !== before.records) await this.#assertFurtherRunChangesNothing();
      return verdict;
    }
    throw new Violation(this.#where(), [
      `up still changes the database after ${this.#model.migrations.length + 4} runs`,
    ]);
  }

  async #assertFurtherRunChangesNothing(): Promise<void> {
    const before = this.#state;
    await this.#strata(["up"]);
    this.#check();
    if (this.#state.records !== before.records || this.#state.dump !== before.dump) {
      throw new Violation(this.#where(), [
        "a further up changed the database, after one that made no progress",
      ]);
    }
  }

  /** Every migration before the first one not sure to apply must be applied once runs converge. */
  #checkReach(verdict: Verdict): void {
    const floor = this.#floor();
    if (verdict.applied >= floor) return;
    const next = this.#model.expectation(verdict.applied + 1);
    throw new Violation(this.#where(), [
      `runs stop at version ${verdict.applied}, but migrations up to ${floor} must apply; ` +
      `${this.#model.migrations[verdict.applied].file} ${
        next.reasons.length ? `(${next.reasons.join("; ")})` : "has no fault"
      }`,
    ]);
  }

  /** `rollback --to 0` must remove every migration and leave only what a failed one left behind. */
  async #rollBackAll(converged: Verdict): Promise<void> {
    const verdict = await this.#resolve(converged);
    if (verdict.applied === 0) return;
    await this.#strata(["rollback", "--to", "0"]);
    this.#state = readDatabaseState(this.#db);
    const left = this.#residue?.version === verdict.applied + 1 ? this.#residue.prefix : 0;
    const expected = this.#model.dumpRolledBack(verdict.applied, left);
    if (left === 0 && expected !== "") {
      throw new Error(`the model's down() of seed ${this.#plan.seed} leaves: ${expected}`);
    }
    const problems = [
      ...(this.#state.integrity === "ok" ? [] : [`PRAGMA integrity_check: ${this.#state.integrity}`]),
      ...(this.#state.history.length === 0
        ? []
        : [`rollback --to 0 left versions ${
          this.#state.history.map((r) => `${r.version} (${r.state})`).join(", ")
        }`]),
      ...(this.#state.dump === expected ? [] : [
        left
          ? `rollback --to 0 left more than what ${verdict.applied + 1} left from its failure`
          : "rollback --to 0 left user objects or rows",
        ...firstDifferences(this.#state.dump, expected),
      ]),
    ];
    if (problems.length > 0) throw new Violation(this.#where(), problems);
  }
}
