/**
 * The fleet start-up on a local libSQL server (sqld): many app instances — in-process clients, each
 * with a connection of its own — start at once and call `migrate()`, as a fleet does after a deploy.
 *
 * - Nothing pending: every instance knows the N migrations the database has. None may fail, and none
 *   may take the write lock.
 * - One new migration: the same instances, each knowing one more, which logs its run. It must run
 *   exactly once; the others wait for the lock, find nothing to do, and none fails on the busy
 *   timeout.
 *
 * Each start is timed from the moment all begin; write transactions are counted and the time each
 * kept the lock measured; each instance's HTTP requests are counted.
 *
 * @module
 */
import { createClient } from "@libsql/client/web";
import { type Migration, MigrationManager } from "../mod.ts";
import type { LibsqlClient, LibsqlTransaction } from "../src/engines/mod.ts";
import { startPrimary, stopServer } from "../tests/support/sqld.ts";
import type { FleetResult } from "./types.ts";
import { smallMigrationObjects } from "./workloads.ts";

/** What one instance's start did. */
interface Start {
  ms: number;
  failed: boolean;
  applied: number;
  requests: number;
  writeTransactions: number;
  lockHeldMs: number[];
}

/** Runs both phases with `instances` instances knowing `n` migrations, on a server of `sqld`. */
export async function runFleet(
  sqld: string,
  plan: { instances: number; n: number },
  progress: (line: string) => void,
): Promise<FleetResult[]> {
  const server = await startPrimary(sqld);
  try {
    const known = smallMigrationObjects(plan.n) as Migration[];
    const setup = createClient({ url: server.http });
    await new MigrationManager(setup).registerMigrations(known).migrate();
    setup.close();
    const logged: Migration = {
      version: plan.n + 1,
      description: "log the run",
      up: async (db) => {
        await db.exec("CREATE TABLE fleet_runs (at TEXT NOT NULL)");
        await db.run("INSERT INTO fleet_runs VALUES (?)", new Date().toISOString());
      },
    };
    const phases: [string, Migration[]][] = [["nothing pending", known], ["one new migration", [
      ...known,
      logged,
    ]]];
    const results: FleetResult[] = [];
    for (const [phase, migrations] of phases) {
      progress(`Fleet: ${plan.instances} instances start at once on sqld, ${phase}`);
      const started = performance.now();
      const starts = await Promise.all(
        Array.from({ length: plan.instances }, () => startInstance(server.http, migrations, started)),
      );
      results.push(summarizePhase(phase, migrations.length, starts));
    }
    return results;
  } finally {
    stopServer(server);
  }
}

/** One instance: its own client, counted and timed, migrating once. */
async function startInstance(url: string, migrations: Migration[], allStarted: number): Promise<Start> {
  const start: Start = {
    ms: 0,
    failed: false,
    applied: 0,
    requests: 0,
    writeTransactions: 0,
    lockHeldMs: [],
  };
  const client = createClient({
    url,
    fetch: (...args: Parameters<typeof fetch>) => {
      start.requests++;
      return fetch(...args);
    },
  }) as unknown as LibsqlClient;
  const counted: LibsqlClient = {
    protocol: client.protocol,
    execute: client.execute.bind(client),
    executeMultiple: client.executeMultiple.bind(client),
    batch: client.batch.bind(client),
    close: client.close.bind(client),
    transaction: async (mode) => {
      start.writeTransactions++;
      return timeLock(await client.transaction(mode), start.lockHeldMs);
    },
  };
  try {
    start.applied =
      (await new MigrationManager(counted).registerMigrations(migrations).migrate()).steps.map((step) =>
        step.version
      ).length;
  } catch {
    start.failed = true;
  } finally {
    start.ms = performance.now() - allStarted;
    client.close();
  }
  return start;
}

/** The transaction, timed from its first statement's answer (the lock granted) to its end. */
function timeLock(tx: LibsqlTransaction, held: number[]): LibsqlTransaction {
  let granted: number | null = null;
  const end = <T>(result: Promise<T>) =>
    result.finally(() => {
      if (granted !== null) held.push(performance.now() - granted);
      granted = null;
    });
  return {
    get closed() {
      return tx.closed;
    },
    batch: async (statements) => {
      const results = await tx.batch(statements);
      granted ??= performance.now();
      return results;
    },
    executeMultiple: async (sql) => {
      await tx.executeMultiple(sql);
      granted ??= performance.now();
    },
    commit: () => end(tx.commit()),
    rollback: () => end(tx.rollback()),
    close: () => void end(Promise.resolve(tx.close())),
  };
}

function summarizePhase(phase: string, known: number, starts: readonly Start[]): FleetResult {
  const times = starts.map((start) => start.ms).sort((a, b) => a - b);
  const held = starts.flatMap((start) => start.lockHeldMs).sort((a, b) => a - b);
  const requests = starts.map((start) => start.requests).sort((a, b) => a - b);
  return {
    phase,
    instances: starts.length,
    known,
    errors: starts.filter((start) => start.failed).length,
    writeTransactions: starts.reduce((sum, start) => sum + start.writeTransactions, 0),
    applied: starts.reduce((sum, start) => sum + start.applied, 0),
    startMs: { p50: percentile(times, 0.5), p99: percentile(times, 0.99), max: times.at(-1)! },
    lockHeldMs: { median: held.length ? percentile(held, 0.5) : 0, max: held.at(-1) ?? 0 },
    roundTripsPerStart: percentile(requests, 0.5),
  };
}

/** The value below which `share` of the sorted values fall (nearest rank). */
function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
}
