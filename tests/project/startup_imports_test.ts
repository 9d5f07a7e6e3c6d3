/**
 * What starting the CLI or importing the module loads: importing any Node polyfill other than
 * node:sqlite (node:path, node:fs, node:buffer, …) or an npm package makes Deno start its Node
 * compatibility layer, about 5 ms and 3 MB at every start of every app that migrates on start-up.
 * Dynamic imports are left out: they load only when a command or an engine needs them.
 */
import assert from "node:assert/strict";

interface InfoDependency {
  code?: { specifier?: string };
  isDynamic?: boolean;
}

interface InfoModule {
  specifier: string;
  kind?: string;
  error?: string;
  dependencies?: InfoDependency[];
}

interface Info {
  roots: string[];
  modules: InfoModule[];
  redirects: Record<string, string>;
}

/** Each static import that stays after type-checking, transitively from a file: "importer imports module". */
async function staticImports(file: string): Promise<{ from: string; to: InfoModule }[]> {
  const url = new URL(file, import.meta.url);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", url.href],
    env: { NO_COLOR: "1" },
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const info: Info = JSON.parse(new TextDecoder().decode(stdout));
  const modules = new Map(info.modules.map((module) => [module.specifier, module]));
  const find = (specifier: string): InfoModule => {
    const resolved = info.redirects[specifier] ?? specifier;
    return modules.get(resolved) ?? { specifier: resolved, error: "not in the output of deno info" };
  };
  const imports: { from: string; to: InfoModule }[] = [];
  const seen = new Set<string>();
  const pending = info.roots.map(find);
  for (let module = pending.pop(); module !== undefined; module = pending.pop()) {
    if (seen.has(module.specifier)) continue;
    seen.add(module.specifier);
    for (const dependency of module.dependencies ?? []) {
      if (!dependency.code?.specifier || dependency.isDynamic) continue;
      const target = find(dependency.code.specifier);
      imports.push({ from: module.specifier, to: target });
      pending.push(target);
    }
  }
  return imports;
}

const ROOT = new URL("../../", import.meta.url).href;

for (const entry of ["src/cli/main.ts", "mod.ts"]) {
  Deno.test(`${entry} loads no Node module but node:sqlite, and no npm package`, async () => {
    const imports = await staticImports(`../../${entry}`);
    assert.ok(imports.length > 0, `deno info found no imports in ${entry}`);
    const offending = imports
      .filter(({ to }) =>
        to.error || (to.kind === "node" && to.specifier !== "node:sqlite") || to.kind === "npm"
      )
      .map(({ from, to }) =>
        `${from.replace(ROOT, "")} imports ${to.specifier}${to.error ? `: ${to.error}` : ""}`
      );
    assert.deepEqual(offending, []);
  });
}
