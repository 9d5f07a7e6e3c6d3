/**
 * The harness raises no false alarm: trials whose migrations only await their calls (so they hold
 * on a branch without the sealed lifecycle too), killed part way with SIGKILL or SIGTERM, on WAL and
 * rollback-journal databases, some with migrations outside a transaction that fail or are left
 * started and are then marked, hold the invariant end to end.
 */
import { assertTrialsHold } from "./assert_trials.ts";

Deno.test("killed trials of awaited-only migrations, in and outside a transaction, hold the invariant", () =>
  assertTrialsHold([144, 1765, 2868, 5833, 7556, 8571, 10624], "03a52f8bfe8e"));
