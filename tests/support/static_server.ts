/**
 * A static file server on 127.0.0.1 for the tests that import strata over HTTP, as a user's own web
 * server serves a release: the files of the repository under a path, `.ts` files with the content type
 * the test chooses.
 *
 * @module
 */
import { extname, join, normalize, relative } from "node:path";
import { repoPath } from "./util.ts";

/** How the server serves the repository. */
export interface StaticServerOptions {
  /** The content type of `.ts` files. */
  typescript: string;
  /** The path the repository's root is served under, such as `/strata/v0.1.0`. @default the root */
  prefix?: string;
}

/**
 * Runs `fn` while the repository is served; `served` records each path asked for with the content
 * type sent. The server stops afterwards, whatever happens.
 */
export async function withStaticServer(
  options: StaticServerOptions,
  fn: (origin: string, served: Map<string, string>) => Promise<void>,
): Promise<void> {
  const root = repoPath("./");
  const prefix = options.prefix ?? "";
  const served = new Map<string, string>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    if (!path.startsWith(`${prefix}/`)) return new Response("not found", { status: 404 });
    const file = normalize(join(root, path.slice(prefix.length)));
    if (relative(root, file).startsWith("..")) return new Response("outside the repository", { status: 403 });
    try {
      const body = await Deno.readFile(file);
      const type = extname(file) === ".ts"
        ? options.typescript
        : extname(file) === ".json"
        ? "application/json"
        : "text/plain; charset=utf-8";
      served.set(path, type);
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
  try {
    await fn(`http://127.0.0.1:${server.addr.port}`, served);
  } finally {
    await server.shutdown();
  }
}
