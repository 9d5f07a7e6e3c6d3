/**
 * The name a typo most likely meant, behind "Did you mean status?".
 */
import assert from "node:assert/strict";
import { nearestName } from "../../src/cli/nearest_name.ts";

const COMMANDS = ["up", "status", "rollback", "validate", "accept", "mark", "check", "dump", "new"];

Deno.test("nearestName() counts two swapped neighbours as one edit", () => {
  assert.equal(nearestName("stauts", COMMANDS), "status");
  assert.equal(nearestName("rollbcak", COMMANDS), "rollback");
});

Deno.test("nearestName() finds a missing, extra or wrong letter, whatever the case", () => {
  assert.equal(nearestName("dry-rn", ["dry-run", "db"]), "dry-run");
  assert.equal(nearestName("dryrun", ["dry-run", "db"]), "dry-run");
  assert.equal(nearestName("Chek", COMMANDS), "check");
  assert.equal(nearestName("dupm", COMMANDS), "dump");
});

Deno.test("nearestName() suggests nothing for a word far from every name", () => {
  assert.equal(nearestName("frobnicate", COMMANDS), undefined);
  assert.equal(nearestName("migrat", COMMANDS), undefined);
});

Deno.test("nearestName() allows one edit in a short word, and none in a word of one letter", () => {
  assert.equal(nearestName("stat", COMMANDS), undefined, "two edits from status");
  assert.equal(nearestName("nwe", COMMANDS), "new");
  assert.equal(nearestName("h", ["help", "db"]), undefined);
  assert.equal(nearestName("x", ["up"]), undefined);
});
