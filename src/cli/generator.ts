/**
 * The generator behind `deno task new`: writes the next numbered migration file from a template.
 *
 * @module
 */
import { directoryPath } from "../source/file_names.ts";
import { type CreatedMigration, writeNextMigration } from "../source/next_file.ts";
import { fromFileUrl, relative } from "../shared/paths.ts";

export type { CreatedMigration };

/** Options of {@link createMigration}. */
export interface CreateMigrationOptions {
  /** The migrations directory. @default {"./migrations"} */
  dir?: string | URL;
  /** Write a `.sql` file with up and down sections instead of a `.ts` module. @default {false} */
  sql?: boolean;
}

/**
 * Writes the next migration file: number one above the highest existing (at least three digits),
 * name from the description. Creates the directory if needed; never overwrites a file.
 *
 * @example Write a .sql migration
 * ```ts
 * import { createMigration } from "./mod.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const created = await createMigration("Add index on users.email", { dir, sql: true });
 * assert.ok(created.path.endsWith("001_add_index_on_users_email.sql"));
 * assert.equal(created.version, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @throws {InvalidInputError} for a description with no letters or digits.
 * @throws {MigrationFileError} when the directory holds a malformed migration file, or the file exists.
 */
export async function createMigration(
  description: string,
  options: CreateMigrationOptions = {},
): Promise<CreatedMigration> {
  const dir = directoryPath(options.dir ?? "./migrations");
  const text = options.sql ? sqlTemplate(description) : tsTemplate(description, typesSpecifier(dir));
  return await writeNextMigration(description, { dir, extension: options.sql ? "sql" : "ts", text });
}

/**
 * The specifier a new migration imports the module's types from: a relative path when this module
 * runs from files on disk, its URL when it runs from a URL.
 */
function typesSpecifier(dir: string): string {
  const modUrl = new URL("../../mod.ts", import.meta.url);
  if (modUrl.protocol !== "file:") return modUrl.href;
  const path = relative(dir, fromFileUrl(modUrl)).replaceAll("\\", "/");
  return path.startsWith(".") ? path : `./${path}`;
}

function tsTemplate(description: string, specifier: string): string {
  return `import type { MigrationModule } from "${specifier}";

/** ${description.replace(/\*\//g, "* /").trim()} */
export default {
  async up(db) {
    await db.exec(\`
    \`);
  },
  async down(db) {
    await db.exec(\`
    \`);
  },
} satisfies MigrationModule;
`;
}

function sqlTemplate(description: string): string {
  return `-- ${description.replace(/\r?\n/g, " ").trim()}

-- migrate:up

-- migrate:down

`;
}
