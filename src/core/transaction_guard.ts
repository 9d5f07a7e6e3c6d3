/**
 * What a migration that runs inside the run's transaction may not run: statements that would end or
 * escape that transaction, or break the savepoint its failure is rolled back to. Where the engine
 * exposes SQLite's authorizer, SQLite itself reports each statement's actions as it prepares them
 * and the guard refuses them there; elsewhere each statement's leading keywords are read instead
 * ({@link transactionConflict}).
 *
 * @module
 */
import type { GuardedAction, StatementGuard } from "../engines/engine.ts";
import { setsForeignKeys, type SqlStatement, transactionConflict } from "../sql/script.ts";

/** The prefix of the runner's savepoints (`strata_7`): a migration may not release or reuse one. */
export const RUNNER_SAVEPOINT_PREFIX = "strata_";

/** Whether a savepoint name is one of the runner's: the prefix and a version. */
export function isRunnerSavepoint(name: string): boolean {
  return RUNNER_SAVEPOINT.test(name);
}

const RUNNER_SAVEPOINT = new RegExp(`^${RUNNER_SAVEPOINT_PREFIX}\\d+$`, "i");

/** The notice a migration gets for `PRAGMA foreign_keys`, which does nothing inside a transaction. */
export const FOREIGN_KEYS_NOTICE =
  "PRAGMA foreign_keys does nothing inside a migration's transaction (SQLite " +
  "ignores it there): foreign keys are not enforced while a run changes the schema, and the violations a " +
  "migration leaves are checked before it commits.";

/** A guard for one migration, and what it refused last. */
export interface MigrationGuard {
  /** The guard, for an engine's authorizer. */
  readonly guard: StatementGuard;
  /** The reason of the last refusal since the last call, or null; reading it clears it. */
  takeRefusal(): string | null;
  /** Checks a statement by its keywords, for engines without an authorizer: the reason, or null. */
  check(statement: SqlStatement): string | null;
}

/**
 * The guard of one transactional migration.
 *
 * @param onNotice Told of statements that run but do nothing (`PRAGMA foreign_keys`).
 */
export function migrationGuard(onNotice: (notice: string) => void): MigrationGuard {
  let refused: string | null = null;
  const refuse = (reason: string | null) => {
    if (reason) refused = reason;
    return reason;
  };
  return {
    guard: (action) => refuse(reasonOf(action, onNotice)),
    takeRefusal() {
      const reason = refused;
      refused = null;
      return reason;
    },
    check(statement) {
      if (setsForeignKeys(statement)) onNotice(FOREIGN_KEYS_NOTICE);
      return refuse(transactionConflict(statement, isRunnerSavepoint));
    },
  };
}

function reasonOf(action: GuardedAction, onNotice: (notice: string) => void): string | null {
  switch (action.kind) {
    case "transaction":
      return `${action.operation} would end the transaction the migration runs in`;
    case "savepoint":
      return isRunnerSavepoint(action.name)
        ? `the savepoint ${action.name} belongs to the runner, which rolls the migration back with it`
        : null;
    case "attach":
    case "detach":
      return `SQLite cannot ${action.kind.toUpperCase()} inside a transaction`;
    case "pragma":
      if (action.value === null) return null;
      if (action.name === "journal_mode") return "SQLite cannot change journal_mode inside a transaction";
      if (action.name === "foreign_keys") onNotice(FOREIGN_KEYS_NOTICE);
      return null;
  }
}

/** A statement as a message quotes it: on one line, cut after 60 characters. */
export function shortened(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine;
}

/** The error for a refused statement: what it is, why, and what to do. */
export function refusedStatement(text: string, reason: string): Error {
  return new Error(
    `"${
      shortened(text)
    }" cannot run in this migration: ${reason}; it did not run. A migration that needs it must run ` +
      `outside a transaction: set \`transaction: false\` on it (in a .sql file, ` +
      `\`-- migrate:up transaction:false\`).`,
  );
}
