/**
 * Whether this branch still lacks the sealed migration lifecycle that the fuzz suite checks for.
 * While it does, the suite's trials break the invariant by design, so the 200-trial test and the
 * regression seeds are reported as ignored rather than failing CI; set this to false to run them.
 *
 * @module
 */

/** True while the trials are known to break the invariant on this branch. */
export const FIXES_PENDING = false;
