/**
 * `@libsql/client/web` (the client without the native engine) for the tests, under the bare name
 * deno.json maps here (see `libsql_client.ts`).
 *
 * @module
 */
export * from "npm:@libsql/client@^0.18.0/web";
