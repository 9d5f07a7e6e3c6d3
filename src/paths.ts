/**
 * Paths: conversions between `file:` URLs and paths, and whether a file exists. Here instead of
 * `node:url` and `node:fs` because those polyfills cost Deno milliseconds to load (node:fs over ten),
 * paid at every start of every app that migrates on start-up.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";

const WINDOWS = Deno.build.os === "windows";

/** The path of a `file:` URL. */
export function fromFileUrl(url: URL | string): string {
  const { pathname, hostname } = new URL(url);
  const path = decodeURIComponent(pathname);
  if (!WINDOWS) return path;
  const local = path.replace(/^\/([A-Za-z]:)/, "$1").replaceAll("/", "\\");
  return hostname ? `\\\\${hostname}${local}` : local;
}

/** The `file:` URL of a path (relative paths are resolved against the working directory). */
export function toFileUrl(path: string): URL {
  const absolute = isAbsolute(path) ? path : resolve(path);
  const slashed = WINDOWS ? `/${absolute.replaceAll("\\", "/")}` : absolute;
  return new URL(`file://${slashed.split("/").map(encodeURIComponent).join("/")}`);
}

/** Whether something exists at a path. */
export function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
