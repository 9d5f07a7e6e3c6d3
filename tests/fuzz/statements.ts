/**
 * The SQL the fuzzer's migrations run. Migration k owns table `t_k` (and its index and trigger) and
 * the rows of the shared table `log` tagged k; migration 1 owns `log` itself. Every statement is
 * deterministic, so replaying it on a fresh database gives the same rows. Outside a transaction the
 * statements are idempotent (`IF NOT EXISTS`, `OR IGNORE`), so running them again after
 * `mark VERSION --pending` is safe.
 *
 * @module
 */

/** The statements of migration `k`; `idempotent` for a migration outside a transaction. */
export class TableSql {
  readonly #k: number;
  readonly #ifNotExists: string;
  readonly #orIgnore: string;

  constructor(k: number, idempotent: boolean) {
    this.#k = k;
    this.#ifNotExists = idempotent ? "IF NOT EXISTS " : "";
    this.#orIgnore = idempotent ? "OR IGNORE " : "";
  }

  /** Creates the shared table (migration 1 only). */
  createLog(): string {
    return `CREATE TABLE ${this.#ifNotExists}log (tag INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (tag, n))`;
  }

  /** Creates `t_k`, a child of `t_parent` when given (itself when parent is k). */
  createTable(parent: number | null): string {
    const p = parent === null ? "p INTEGER" : `p INTEGER REFERENCES t_${parent} (id)`;
    return `CREATE TABLE ${this.#ifNotExists}t_${this.#k} (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, ${p})`;
  }

  /** Rows 1 to 3, which every later statement may rely on; they reference row 1 of the parent. */
  seed(parent: number | null): string {
    const p = parent === null ? "NULL" : "1";
    const rows = [1, 2, 3].map((id) => `(${id}, ${this.#k * 10 + id}, ${p})`).join(", ");
    return `INSERT ${this.#orIgnore}INTO t_${this.#k} (id, v, p) VALUES ${rows}`;
  }

  /** Rows `first` to `first + count - 1`. */
  insertRows(first: number, count: number): string {
    const rows = Array.from({ length: count }, (_, i) => `(${first + i}, ${(first + i) % 89})`).join(", ");
    return `INSERT ${this.#orIgnore}INTO t_${this.#k} (id, v) VALUES ${rows}`;
  }

  /** Many rows from a recursive CTE. */
  manyRows(first: number, count: number): string {
    return `INSERT ${this.#orIgnore}INTO t_${this.#k} (id, v) WITH RECURSIVE c(x) AS ` +
      `(SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < ${count - 1}) SELECT ${first} + x, x % 97 FROM c`;
  }

  /**
   * A row of `log` tagged k that takes a while to compute (a recursive CTE of `steps` rows), and the
   * plain insert of the same row.
   */
  slowLogRow(n: number, steps: number): { sql: string; replay: string } {
    return {
      sql: `INSERT ${this.#orIgnore}INTO log (tag, n) WITH RECURSIVE c(x) AS ` +
        `(SELECT 0 UNION ALL SELECT x + 1 FROM c WHERE x < ${steps}) SELECT ${this.#k}, ${n} FROM c WHERE x = ${steps}`,
      replay: this.logRow(n),
    };
  }

  /** A row of `log` tagged k. */
  logRow(n: number): string {
    return `INSERT ${this.#orIgnore}INTO log (tag, n) VALUES (${this.#k}, ${n})`;
  }

  /** A `log` insert whose `n` is bound as a parameter. */
  logRowParam(): string {
    return `INSERT INTO log (tag, n) VALUES (${this.#k}, ?)`;
  }

  /** Adds `d` to the seed rows (transactional migrations only: it is not idempotent). */
  update(d: number): string {
    return `UPDATE t_${this.#k} SET v = v + ${d} WHERE id <= 3`;
  }

  /** An index on `t_k`. */
  index(n: number): string {
    return `CREATE INDEX ${this.#ifNotExists}t_${this.#k}_v${n} ON t_${this.#k} (v, id)`;
  }

  /** The ids of rows `first` to `last`. */
  selectIds(first: number, last: number): string {
    return `SELECT id FROM t_${this.#k} WHERE id BETWEEN ${first} AND ${last} ORDER BY id`;
  }

  /** A trigger that ends the transaction when a negative `v` is inserted. */
  guardTrigger(): string {
    return `CREATE TRIGGER ${this.#ifNotExists}t_${this.#k}_guard BEFORE INSERT ON t_${this.#k} ` +
      `WHEN NEW.v < 0 BEGIN SELECT RAISE(ROLLBACK, 'fuzz guard'); END`;
  }

  /** An insert that fires the guard trigger. */
  fireGuard(id: number): string {
    return `INSERT INTO t_${this.#k} (id, v) VALUES (${id}, -1)`;
  }

  /** `INSERT OR ROLLBACK` of a row that exists: it ends the transaction. */
  orRollback(): string {
    return `INSERT OR ROLLBACK INTO t_${this.#k} (id, v) VALUES (1, 0)`;
  }

  /** An SQL error that changes nothing: a NULL in a NOT NULL column, or a missing table. */
  failing(id: number, missingTable: boolean): string {
    return missingTable
      ? `INSERT INTO missing_${this.#k} (x) VALUES (${id})`
      : `INSERT INTO t_${this.#k} (id, v) VALUES (${id}, NULL)`;
  }

  /** A row whose parent does not exist: a foreign-key violation. */
  orphan(id: number): string {
    return `INSERT INTO t_${this.#k} (id, v, p) VALUES (${id}, 0, 999999)`;
  }

  /** What `down` runs: removes everything the migration made. */
  down(): string[] {
    const dropIfExists = this.#ifNotExists ? "IF EXISTS " : "";
    return this.#k === 1
      ? [`DROP TABLE ${dropIfExists}t_1`, `DROP TABLE ${dropIfExists}log`]
      : [`DELETE FROM log WHERE tag = ${this.#k}`, `DROP TABLE ${dropIfExists}t_${this.#k}`];
  }
}
