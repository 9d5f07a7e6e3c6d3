/**
 * The next numbered migration file of a directory: its version (one above the highest), its name
 * (from a description), written without ever overwriting a file. `deno task new` writes its
 * templates through it, and `new --from` the migrations it generates.
 *
 * @module
 */
import { InvalidInputError, MigrationFileError } from "../shared/errors.ts";
import { join } from "../shared/paths.ts";
import { listMigrationFiles } from "./file_names.ts";

/** What {@link writeNextMigration} wrote. */
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

/** The version the next migration of a directory takes: one above the highest, 1 in a new directory. */
function nextVersion(dir: string): number {
  return Math.max(0, ...listMigrationFiles(dir).map((f) => f.parsed.version)) + 1;
}

/**
 * Writes `text` as the next migration of `dir`, named after the description, as
 * `deno task new` does: creates the directory if needed, never overwrites a file.
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
