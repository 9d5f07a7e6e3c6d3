/**
 * What a libSQL client's errors mean, in the toolkit's words: SQLite's own errors become
 * `SqliteError`s (see `result_codes.ts`), a server that refuses the auth token becomes an
 * `InvalidInputError` naming where the token came from (never the token), and a transaction the
 * server ended on its own is said to be so.
 *
 * @module
 */
import { InvalidInputError } from "../shared/errors.ts";
import { toSqliteError } from "./result_codes.ts";

/** Where the client's auth token came from, for messages: a variable or option name, or none. */
export type TokenSource = string | null;

interface ClientErrorFields {
  code?: unknown;
  cause?: { status?: unknown };
}

function codeOf(error: unknown): string | undefined {
  const code = (error as ClientErrorFields | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The server's words after the client's `CODE: ` prefixes. */
function serverWords(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^(?:[A-Z_]+: )+/, "").replace(/^Authentication failed: /, "");
}

/** Whether the server refused the request for its auth token (HTTP 401 or 403, or Hrana's AUTH_ codes). */
function isAuthRefusal(error: unknown): boolean {
  const status = (error as ClientErrorFields | null)?.cause?.status;
  return codeOf(error)?.startsWith("AUTH_") === true || status === 401 || status === 403;
}

/**
 * Whether the server ended the transaction on its own: sqld rolls back a transaction that keeps
 * the write lock too long while another connection waits for it, and a stream that is closed or
 * expired holds no transaction any more.
 */
export function serverEndedTransaction(error: unknown): string | null {
  const code = codeOf(error);
  if (code === "TRANSACTION_TIMEOUT") {
    return "the server rolled it back: it kept the write lock longer than the server allows while " +
      "another connection waited for the lock (sqld allows 5 s)";
  }
  if (code === "STREAM_EXPIRED" || code === "HRANA_CLOSED_ERROR" || code === "HRANA_WEBSOCKET_ERROR") {
    return `the connection to the server was lost (${serverWords(error)})`;
  }
  return null;
}

/** The error to throw for a libSQL client's error. */
export function fromClientError(error: unknown, tokenSource: TokenSource | undefined): unknown {
  if (isAuthRefusal(error)) return authRefusal(error, tokenSource);
  return toSqliteError(error);
}

function authRefusal(error: unknown, tokenSource: TokenSource | undefined): InvalidInputError {
  const status = (error as ClientErrorFields).cause?.status;
  const reason = typeof status === "number" ? `HTTP ${status}` : serverWords(error);
  if (tokenSource === null) {
    return new InvalidInputError(
      `The libSQL server refused the connection (${reason}): it requires an auth token and none was ` +
        `given. Set LIBSQL_AUTH_TOKEN or TURSO_AUTH_TOKEN, or pass authToken.`,
      "authToken",
    );
  }
  const from = tokenSource === undefined ? "the client's auth token" : `the auth token from ${tokenSource}`;
  return new InvalidInputError(
    `The libSQL server refused ${from} (${reason}): it is not a valid, current token for this ` +
      `database. Check it, or create a new one.`,
    tokenSource === undefined ? "authToken" : /^\w+$/.test(tokenSource) ? tokenSource : "db",
  );
}
