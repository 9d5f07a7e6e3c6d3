/**
 * Lower bound of applying migrations on a libSQL server (R1): `@libsql/client` runs every `.sql`
 * file's `-- migrate:up` section of a directory, in name order, one script each, in one interactive
 * write transaction over the URL. No history, no checks: only the round trips the same SQL needs.
 *
 * Usage: `deno run <migrate:remote task flags> bench/bounds/apply_sql_remote.ts URL DIR`; imported,
 * {@link applyRemote} does the same with the client it is given.
 *
 * @module
 */
import { type Client, createClient } from "@libsql/client/web";
import { upSections } from "./up_sections.ts";

/** Runs `ups` in one write transaction of `client`, one script each. */
export async function applyRemote(client: Client, ups: readonly string[]): Promise<void> {
  const tx = await client.transaction("write");
  try {
    for (const up of ups) await tx.executeMultiple(up);
    await tx.commit();
  } finally {
    tx.close();
  }
}

if (import.meta.main) {
  const [url, dir] = Deno.args;
  const client = createClient({ url });
  try {
    await applyRemote(client, upSections(dir));
  } finally {
    client.close();
  }
}
