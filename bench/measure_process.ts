/**
 * Whole-process measurements: wall time from spawn to exit, and peak resident memory (VmHWM).
 *
 * Peak memory comes from GNU time (`/usr/bin/time -f %M`), which reads the child's rusage after it
 * exits, so it cannot miss a late peak. Both sides of a pair run under the same wrapper, so its
 * small fork cost is on both. Without GNU time, VmHWM is sampled from /proc/<pid>/status every few
 * milliseconds while the process runs (a lower bound for very short processes); without /proc,
 * memory is not measured.
 *
 * @module
 */
import { join } from "node:path";
import type { Sample } from "./types.ts";

const GNU_TIME = "/usr/bin/time";

/** How peak memory is measured on this machine. */
export type MemoryMethod = "gnu-time" | "proc-sampling" | "none";

/** Finds the best way to measure peak memory here: GNU time, sampling /proc, or none. */
export async function detectMemoryMethod(scratchDir: string): Promise<MemoryMethod> {
  const probe = join(scratchDir, "time-probe.txt");
  try {
    const { success } = await new Deno.Command(GNU_TIME, {
      args: ["-f", "%M", "-o", probe, "true"],
      stdout: "null",
      stderr: "null",
    }).output();
    if (success && /^\d+\s*$/.test(await Deno.readTextFile(probe))) return "gnu-time";
  } catch {
    // No GNU time here: fall through to /proc.
  }
  try {
    await Deno.readTextFile("/proc/self/status");
    return "proc-sampling";
  } catch {
    return "none";
  }
}

/** A command to measure: the program and its arguments. */
export interface ProcessSpec {
  /** Program to run, e.g. `Deno.execPath()`. */
  program: string;
  /** Its arguments. */
  args: string[];
}

/**
 * Runs a process to completion and measures it.
 *
 * @param scratchFile A file GNU time may write the peak memory to.
 * @throws {Error} with the process's stderr when it exits with a non-zero code.
 */
export async function measureProcess(
  spec: ProcessSpec,
  scratchFile: string,
  options: { memory: MemoryMethod },
): Promise<Sample> {
  const wrapped = options.memory === "gnu-time";
  const command = new Deno.Command(wrapped ? GNU_TIME : spec.program, {
    args: wrapped ? ["-f", "%M", "-o", scratchFile, spec.program, ...spec.args] : spec.args,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  });
  const started = performance.now();
  const child = command.spawn();
  const sampler = options.memory === "proc-sampling" ? sampleHighWaterMark(child.pid) : null;
  const output = await child.output();
  const ms = performance.now() - started;
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr).trim();
    throw new Error(`${[spec.program, ...spec.args].join(" ")} exited with code ${output.code}:\n${stderr}`);
  }
  const peakKb = wrapped
    ? Number((await Deno.readTextFile(scratchFile)).trim())
    : await sampler?.stop() ?? null;
  return { ms, peakKb };
}

/** Polls VmHWM of a running process until stopped; returns the last value read. */
function sampleHighWaterMark(pid: number): { stop(): Promise<number | null> } {
  let peak: number | null = null;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const status = await Deno.readTextFile(`/proc/${pid}/status`);
        const kb = Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1]);
        if (kb > 0) peak = kb;
      } catch {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}
