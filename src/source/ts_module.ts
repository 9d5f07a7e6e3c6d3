/**
 * The `.ts` migration file format: a module whose default export is a migration object (`up`, and
 * optionally `down` and `transaction`; a `version`, if given, must agree with the file name) or a
 * class of one that can be constructed without arguments. It is imported only when it has to run.
 *
 * @module
 */
import { toFileUrl } from "../shared/paths.ts";
import { MigrationFileError } from "../shared/errors.ts";

/** A migration module's default export, checked: its functions, and whether it runs in a transaction. */
interface ModuleMigration {
  /** Its `up`, bound to the export. */
  up(db: never): unknown;
  /** Its `down`, bound to the export, when it has one. */
  down?(db: never): unknown;
  /** False when the export says `transaction: false`. */
  transaction: boolean;
}

/**
 * Imports a migration module and checks its default export.
 *
 * @throws {MigrationFileError} naming the file when it cannot be imported, exports no migration, or
 *   declares another version than its name.
 */
export async function importMigrationModule(file: string, version: number): Promise<ModuleMigration> {
  let exported: unknown;
  try {
    exported = (await import(toFileUrl(file).href)).default;
  } catch (cause) {
    throw new MigrationFileError(
      `Migration file ${file} could not be imported: ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
      file,
      { cause },
    );
  }
  const definition = migrationObject(exported, file);
  if (definition.version !== undefined && definition.version !== version) {
    throw new MigrationFileError(
      `${file} declares version ${String(definition.version)}, but its file name says ${version}. ` +
        `Remove the version from the file or make them agree.`,
      file,
    );
  }
  const { up, down } = definition;
  return {
    up: (db) => up.call(definition, db),
    ...(typeof down === "function" ? { down: (db: never) => down.call(definition, db) } : {}),
    transaction: definition.transaction !== false,
  };
}

interface ModuleExport {
  version?: unknown;
  up: (db: unknown) => unknown;
  down?: unknown;
  transaction?: unknown;
}

function migrationObject(exported: unknown, file: string): ModuleExport {
  let candidate = exported;
  if (typeof exported === "function") {
    try {
      candidate = new (exported as new () => unknown)();
    } catch (cause) {
      throw new MigrationFileError(
        `${file}: the default export is a function but not a migration class that can be constructed ` +
          `without arguments (${cause instanceof Error ? cause.message : String(cause)}).`,
        file,
        { cause },
      );
    }
  }
  const shape = candidate as Partial<ModuleExport> | null;
  if (typeof shape !== "object" || shape === null || typeof shape.up !== "function") {
    throw new MigrationFileError(
      `${file}: the default export is ${exported === undefined ? "missing" : "not a migration"}. ` +
        `Export default an object with up(db) (and down(db)), or a BaseMigration subclass.`,
      file,
    );
  }
  if (shape.down !== undefined && typeof shape.down !== "function") {
    throw new MigrationFileError(`${file}: down is not a function.`, file);
  }
  return shape as ModuleExport;
}
