import assert from "node:assert/strict";
import { join } from "node:path";
import { repoPath, withTempDir } from "../support/util.ts";
import { hasSqliteShell } from "../../bench/run_w4.ts";

/** The `bench:smoke` task's command from deno.json, without the leading `deno`. */
function smokeTaskArgs(): string[] {
  const config = JSON.parse(Deno.readTextFileSync(repoPath("deno.json")));
  const words: string[] = config.tasks["bench:smoke"].split(/\s+/);
  assert.equal(words[0], "deno");
  return words.slice(1);
}

function assertSummary(value: unknown, where: string): void {
  const summary = value as Record<string, unknown>;
  for (const field of ["median", "min", "max"]) {
    assert.equal(typeof summary[field], "number", `${where}.${field} is a number`);
  }
  assert.ok((summary.min as number) <= (summary.median as number), `${where}: min ≤ median`);
  assert.ok((summary.median as number) <= (summary.max as number), `${where}: median ≤ max`);
}

Deno.test("bench:smoke runs every workload and writes a report with positive ratios and a W1 chart", async () => {
  await withTempDir(async (dir) => {
    const output = await new Deno.Command(Deno.execPath(), {
      args: [...smokeTaskArgs(), "--out", dir],
      cwd: repoPath("."),
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    assert.match(stdout, /\| target \| measured \| limit \| result \|/);

    const report = JSON.parse(await Deno.readTextFile(join(dir, "latest.json")));
    assert.equal(report.mode, "smoke");
    assert.equal(report.command, "deno task bench:smoke");
    assert.equal(typeof report.machine.cpu, "string");
    assert.ok(report.machine.cores > 0);
    assert.equal(report.machine.deno, Deno.version.deno);
    assert.ok(
      report.taskFlags.some((flag: string) => flag.startsWith("--allow-read")),
      "the CLI runs with the migrate task's flags",
    );
    const remote = report.remoteSkipped === null;
    assert.deepEqual(
      report.results.map((r: { key: string }) => r.key),
      [
        "w1-apply-10",
        "w2-apply-10",
        "w2-status-10",
        "w2-open-array-10",
        "w2-open-directory-10",
        "w3-data-1000",
        // W4 compares with the sqlite3 shell, and runs only where it is installed.
        ...(await hasSqliteShell() ? ["w4-section-1000"] : []),
        ...(remote ? ["r1-apply-10", "r1-apply-10-in-process"] : []),
      ],
    );
    for (const result of report.results) {
      assert.equal(result.repetitions, 1);
      assert.equal(result.ours.samplesMs.length, 1);
      assert.equal(result.bound.samplesMs.length, 1);
      assertSummary(result.ours.time, `${result.key}.ours.time`);
      assertSummary(result.bound.time, `${result.key}.bound.time`);
      assertSummary(result.ratio, `${result.key}.ratio`);
      assert.ok(
        result.ratio.min > 0 && Number.isFinite(result.ratio.max),
        `${result.key}: ratio is positive`,
      );
      if (result.memoryRatio !== null) assert.ok(result.memoryRatio > 0, `${result.key}: memory ratio`);
    }
    if (remote) {
      const [idle, oneNew] = report.fleet;
      assert.deepEqual([idle.phase, idle.errors, idle.writeTransactions, idle.applied], [
        "nothing pending",
        0,
        0,
        0,
      ]);
      assert.deepEqual([oneNew.phase, oneNew.errors, oneNew.applied], ["one new migration", 0, 1]);
      const trips = report.results.find((r: { key: string }) => r.key === "r1-apply-10").roundTrips;
      assert.ok(trips.ours > 0 && trips.bound > 0, "round trips are counted");
    } else {
      assert.deepEqual(report.fleet, []);
    }
    assert.equal(report.targets.length, 13);
    for (const target of report.targets) assert.ok(["PASS", "FAIL", "SKIP"].includes(target.status));

    const svg = await Deno.readTextFile(join(dir, "w1.svg"));
    assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /<polyline /);
  });
});
