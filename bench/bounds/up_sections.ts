/**
 * The `-- migrate:up` sections of a directory's `.sql` files, in name order: the SQL every lower
 * bound runs, read the simplest way.
 *
 * @module
 */
import { join } from "node:path";

/** Every `.sql` file's up section, in name order. */
export function upSections(dir: string): string[] {
  const names = [...Deno.readDirSync(dir)].map((entry) => entry.name).filter((name) => name.endsWith(".sql"))
    .sort();
  return names.map((name) => {
    const text = Deno.readTextFileSync(join(dir, name));
    const start = text.indexOf("\n", text.indexOf("-- migrate:up")) + 1;
    const end = text.indexOf("-- migrate:down");
    return text.slice(start, end === -1 ? undefined : end);
  });
}
