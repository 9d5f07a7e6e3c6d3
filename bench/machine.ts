/**
 * A description of the machine a run happened on, so numbers from different machines are never
 * compared unknowingly.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import type { MemoryMethod } from "./measure_process.ts";
import type { Machine } from "./types.ts";

const MEMORY_METHODS: Record<MemoryMethod, string> = {
  "gnu-time": "peak RSS from GNU time (/usr/bin/time -f %M) around both sides",
  "proc-sampling": "peak RSS sampled from VmHWM in /proc/<pid>/status every 2 ms",
  none: "not measured (no GNU time and no /proc)",
};

/** Describes this machine: CPU, cores, memory, OS, Deno, V8 and SQLite versions. */
export function describeMachine(memory: MemoryMethod): Machine {
  const db = new DatabaseSync(":memory:");
  const sqlite = String(db.prepare("SELECT sqlite_version() AS v").get()?.v);
  db.close();
  return {
    cpu: procField("/proc/cpuinfo", /^model name\s*:\s*(.+)$/m) ?? "unknown",
    cores: navigator.hardwareConcurrency,
    memoryMb: memoryMb(),
    os: `${Deno.build.os} ${Deno.build.arch}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    sqlite,
    memoryMethod: MEMORY_METHODS[memory],
    loadAverage: Deno.loadavg(),
  };
}

/** One line for the table's heading. */
export function machineLine(machine: Machine): string {
  const memory = machine.memoryMb === null ? "" : `, ${(machine.memoryMb / 1024).toFixed(1)} GiB`;
  return `${machine.cpu}, ${machine.cores} cores${memory}, ${machine.os}; Deno ${machine.deno} ` +
    `(V8 ${machine.v8}), SQLite ${machine.sqlite}; load ${
      machine.loadAverage.map((l) => l.toFixed(2)).join(" ")
    }`;
}

function memoryMb(): number | null {
  try {
    return Math.round(Deno.systemMemoryInfo().total / 1024 / 1024);
  } catch {
    return null;
  }
}

/**
 * A field of a /proc file, read through `cat`: Deno 2 lets a script read /proc itself only with all
 * permissions, and the benchmark runs with narrower ones (it may run processes).
 */
function procField(file: string, pattern: RegExp): string | null {
  try {
    const { stdout, success } = new Deno.Command("cat", { args: [file], stdout: "piped", stderr: "null" })
      .outputSync();
    return success ? pattern.exec(new TextDecoder().decode(stdout))?.[1].trim() ?? null : null;
  } catch {
    return null;
  }
}
