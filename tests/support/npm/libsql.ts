/**
 * `npm:libsql` for the tests, under the bare name deno.json maps here (see `libsql_client.ts`).
 *
 * @module
 */
export { default } from "npm:libsql@^0.5.29";
