/**
 * R1: W1 on a local libSQL server (sqld): apply N small migrations to a fresh database over
 * `http://`, against `@libsql/client` running the same SQL in one interactive write transaction over
 * the same URL. Whole processes (the CLI with the `migrate:remote` task's flags, the bound script
 * with the same) and in process (the manager with the loaded migrations, the bound's function),
 * each run on a server started for it, untimed. The HTTP requests of each side are counted in a
 * run of their own.
 *
 * @module
 */
import { createClient } from "@libsql/client/web";
import { loadMigrations, MigrationManager } from "../mod.ts";
import { type SqldServer, startPrimary, stopServer } from "../tests/support/sqld.ts";
import { applyRemote } from "./bounds/apply_sql_remote.ts";
import { upSections } from "./bounds/up_sections.ts";
import { type BenchContext, boundSpec, cliSpec, smallMigrationsDir } from "./context.ts";
import { measureProcess } from "./measure_process.ts";
import { runPairs, timed } from "./pairs.ts";
import { describeRuns, type SizeRuns } from "./plan.ts";
import { taskFlags, widenedTo } from "./task_flags.ts";
import type { PairedResult } from "./types.ts";

type Apply = (url: string, fetch: typeof globalThis.fetch) => Promise<void>;

/** Measures R1 at every size of the plan, on servers of `sqld`. */
export async function runR1(
  ctx: BenchContext,
  sqld: string,
  sizes: readonly SizeRuns[],
): Promise<PairedResult[]> {
  const remote: BenchContext = { ...ctx, flags: widenedTo(taskFlags("migrate:remote"), ctx.scratch) };
  const results: PairedResult[] = [];
  for (const size of sizes) {
    const dir = smallMigrationsDir(ctx, size.n);
    const migrations = await loadMigrations(dir);
    const ups = upSections(dir);
    const ours: Apply = async (url, fetch) => {
      const client = createClient({ url, fetch });
      try {
        await new MigrationManager(client).registerMigrations(migrations).migrate();
      } finally {
        client.close();
      }
    };
    const bound: Apply = async (url, fetch) => {
      const client = createClient({ url, fetch });
      try {
        await applyRemote(client, ups);
      } finally {
        client.close();
      }
    };
    const roundTrips = { ours: await countRequests(sqld, ours), bound: await countRequests(sqld, bound) };
    let server: SqldServer | null = null;
    const url = () => server!.http;
    const reset = async () => {
      if (server) stopServer(server);
      server = await startPrimary(sqld);
    };
    const scratchFile = `${ctx.scratch}/peak.txt`;
    ctx.progress(`R1: applying ${size.n} migrations on sqld, whole process, ${describeRuns(size)}`);
    const processes = await runPairs({
      ours: () => measureProcess(cliSpec(remote, ["--db", url(), "--dir", dir]), scratchFile, ctx),
      bound: () => measureProcess(boundSpec(remote, "apply_sql_remote.ts", [url(), dir]), scratchFile, ctx),
      reset,
    }, size);
    ctx.progress(`R1: applying ${size.n} migrations on sqld, in process, ${describeRuns(size)}`);
    const inProcess = await runPairs({
      ours: () => timed(() => ours(url(), fetch)),
      bound: () => timed(() => bound(url(), fetch)),
      reset,
    }, size);
    if (server) stopServer(server);
    const label = `R1 apply N=${size.n.toLocaleString("en")} on sqld`;
    results.push(
      {
        key: `r1-apply-${size.n}`,
        workload: "R1",
        label,
        n: size.n,
        scope: "process",
        ...processes,
        roundTrips,
      },
      {
        key: `r1-apply-${size.n}-in-process`,
        workload: "R1",
        label,
        n: size.n,
        scope: "in-process",
        ...inProcess,
        roundTrips,
      },
    );
  }
  return results;
}

/** The HTTP requests `apply` makes on a fresh server. */
async function countRequests(sqld: string, apply: Apply): Promise<number> {
  const server = await startPrimary(sqld);
  let requests = 0;
  try {
    await apply(server.http, (...args) => {
      requests++;
      return fetch(...args);
    });
    return requests;
  } finally {
    stopServer(server);
  }
}
