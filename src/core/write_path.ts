/**
 * Everything that writes: runs and history edits. The manager loads this module on the first call
 * that has something to write, so an application start-up with nothing pending never loads the
 * runner and the modules under it.
 *
 * @module
 */
export { run } from "./runner.ts";
export { acceptEdits } from "./accept.ts";
export { markOutcome } from "./mark.ts";
export { recordApplied } from "./record_applied.ts";
