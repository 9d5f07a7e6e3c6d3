/**
 * The generator behind `deno task new`: writes the next numbered migration file from a template.
 *
 * @module
 */
import { InvalidInputError, MigrationFileError } from "./errors.ts";
import { directoryPath, listMigrationFiles } from "./loader.ts";
import { fromFileUrl, join, relative } from "./paths.ts";

/** Options of {@link createMigration}. */
export interface CreateMigrationOptions {
  /** The migrations directory. @default {"./migrations"} */
  dir?: string | URL;
  /** Write a `.sql` file with up and down sections instead of a `.ts` module. @default {false} */
  sql?: boolean;
}

/** What {@link createMigration} wrote. */
export interface CreatedMigration {
  /** Absolute path of the new file. */
  path: string;
  /** Its version. */
  version: number;
}

const MAX_NAME_LENGTH = 60;

/**
 * Turns a description into the name part of a file name: lower-case ASCII words joined by underscores.
 *
 * @throws {InvalidInputError} when nothing usable remains (empty, or only symbols).
 */
export function slugify(description: string): string {
  const words = description.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .split(/[^a-z0-9]+/).filter(Boolean);
  let slug = "";
  for (const word of words) {
    const next = slug ? `${slug}_${word}` : word;
    if (next.length > MAX_NAME_LENGTH && slug) break;
    slug = next.slice(0, MAX_NAME_LENGTH);
  }
  if (!slug) {
    throw new InvalidInputError(
      `The description ${JSON.stringify(description)} has no letters or digits to name the file after. ` +
        `Describe the change in a few words, e.g. "add index on users email".`,
      "description",
    );
  }
  return slug;
}

/**
 * Writes the next migration file: number one above the highest existing (at least three digits),
 * name from the description. Creates the directory if needed; never overwrites a file.
 *
 * @example Write a .sql migration
 * ```ts
 * import { createMigration } from "../mod.ts";
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

/** The version the next migration of a directory takes: one above the highest, 1 in a new directory. */
export function nextVersion(dir: string): number {
  return Math.max(0, ...listMigrationFiles(dir).map((f) => f.parsed.version)) + 1;
}

/**
 * Writes `text` as the next migration of `dir`, named after the description, as
 * {@link createMigration} does: creates the directory if needed, never overwrites a file.
 *
 * @throws {InvalidInputError} for a description with no letters or digits.
 * @throws {MigrationFileError} when the directory holds a malformed migration file, or the file exists.
 */
export async function writeNextMigration(
  description: string,
  { dir, extension, text }: { dir: string; extension: "sql" | "ts"; text: string },
): Promise<CreatedMigration> {
  const slug = slugify(description);
  await Deno.mkdir(dir, { recursive: true });
  const version = nextVersion(dir);
  const path = join(dir, `${String(version).padStart(3, "0")}_${slug}.${extension}`);
  try {
    await Deno.writeTextFile(path, text, { createNew: true });
  } catch (cause) {
    if (cause instanceof Deno.errors.AlreadyExists) {
      throw new MigrationFileError(
        `${path} already exists; it was left as it is. Choose another description.`,
        path,
      );
    }
    throw cause;
  }
  return { path, version };
}

/**
 * The specifier a new migration imports the module's types from: a relative path when this module
 * runs from files on disk, its URL when it runs from a URL.
 */
function typesSpecifier(dir: string): string {
  const modUrl = new URL("../mod.ts", import.meta.url);
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
