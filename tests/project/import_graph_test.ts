/**
 * The layers of `src/` and the way their imports point, read from Deno's own module graph
 * (`deno info --json`, static, dynamic and type-only imports alike): from bottom to top `shared`,
 * `engines`, `sql`, `source`, `core`, then `schema` and `helpers`, then `cli`. A module imports only
 * its own folder and the folders below it, and no chain of imports comes back to where it started.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { repoPath, withTempDir } from "../support/util.ts";

/** Each layer's height: a module may import from a lower one. */
const LAYERS: Readonly<Record<string, number>> = {
  shared: 0,
  engines: 1,
  sql: 2,
  source: 3,
  core: 4,
  schema: 5,
  helpers: 5,
  cli: 6,
};

/** `source` reads SQL: migration files are SQL text. The one sideways import between layers. */
const ALSO_ALLOWED = new Set(["source->sql"]);

interface Graph {
  /** Every module of src/, by path from src/, with the src/ modules it imports. */
  imports: Map<string, Set<string>>;
}

async function srcModules(): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isDirectory) await walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else if (entry.name.endsWith(".ts")) found.push(`${prefix}${entry.name}`);
    }
  };
  await walk(repoPath("src"), "");
  return found.sort();
}

/** The module graph of every file of src/, from one entry that imports them all. */
async function readGraph(): Promise<Graph> {
  const modules = await srcModules();
  return await withTempDir(async (dir) => {
    const entry = join(dir, "all.ts");
    const src = repoPath("src/");
    await Deno.writeTextFile(
      entry,
      modules.map((m) => `import ${JSON.stringify(`file://${src}${m}`)};\n`).join(""),
    );
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", entry],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const info = JSON.parse(new TextDecoder().decode(output.stdout)) as {
      modules: {
        specifier: string;
        error?: string;
        dependencies?: { code?: { specifier?: string }; type?: { specifier?: string } }[];
      }[];
    };
    const prefix = `file://${src}`;
    const imports = new Map<string, Set<string>>();
    for (const module of info.modules) {
      if (!module.specifier.startsWith(prefix)) continue;
      assert.equal(module.error, undefined, `deno info could not read ${module.specifier}`);
      const targets = new Set<string>();
      for (const dependency of module.dependencies ?? []) {
        for (const target of [dependency.code?.specifier, dependency.type?.specifier]) {
          if (target?.startsWith(prefix)) targets.add(target.slice(prefix.length));
        }
      }
      imports.set(module.specifier.slice(prefix.length), targets);
    }
    return { imports };
  });
}

const graph = await readGraph();

Deno.test("the graph is read: every module of src/ is in it, with the imports it has", () => {
  assert.ok(graph.imports.size >= 80, `${graph.imports.size} modules`);
  assert.ok(graph.imports.get("core/manager.ts")?.has("core/planner.ts"), "manager.ts imports planner.ts");
  assert.ok(graph.imports.get("core/migration.ts")?.has("shared/errors.ts"), "type and value imports alike");
});

Deno.test("every module of src/ sits in one of the layers' folders", () => {
  const outside = [...graph.imports.keys()].filter((module) => !(module.split("/")[0] in LAYERS));
  assert.deepEqual(outside, []);
});

Deno.test("src/ imports point down the layers: shared, engines, sql, source, core, schema and helpers, cli", () => {
  const upward: string[] = [];
  for (const [from, targets] of graph.imports) {
    const layer = from.split("/")[0];
    for (const to of targets) {
      const target = to.split("/")[0];
      if (target === layer || ALSO_ALLOWED.has(`${layer}->${target}`)) continue;
      if (LAYERS[target] >= LAYERS[layer]) upward.push(`${from} imports ${to}`);
    }
  }
  assert.deepEqual(upward, []);
});

Deno.test("no chain of imports in src/ comes back to the module it started from", () => {
  const cycles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (module: string) => {
    state.set(module, "open");
    path.push(module);
    for (const next of graph.imports.get(module) ?? []) {
      if (state.get(next) === "open") cycles.push([...path.slice(path.indexOf(next)), next].join(" -> "));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(module, "done");
  };
  for (const module of graph.imports.keys()) if (!state.has(module)) visit(module);
  assert.deepEqual(cycles, []);
});

Deno.test("mod.ts, the core, exports at most 40 symbols, types included", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", repoPath("mod.ts")],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const doc = JSON.parse(new TextDecoder().decode(output.stdout)) as {
    nodes: Record<string, { symbols: { name: string }[] }>;
  };
  const symbols = Object.values(doc.nodes).flatMap((node) => node.symbols.map((symbol) => symbol.name));
  assert.ok(symbols.length <= 40, `${symbols.length} symbols: ${symbols.join(", ")}`);
});
