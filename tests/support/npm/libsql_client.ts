/**
 * `@libsql/client` for the tests, under the bare name deno.json maps here. deno.json names no npm
 * package itself: `deno task` installs every package its import map names before it runs any task,
 * so `deno task migrate` would download the engines on a machine that only needs node:sqlite.
 *
 * @module
 */
export * from "npm:@libsql/client@^0.18.0";
