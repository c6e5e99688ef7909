/**
 * Password guessing against one account, from however many addresses: after a few wrong passwords the
 * account's log-in is refused (429) for a while, doubling with every further wrong one; a right one
 * clears it. The per-address limit (AUTH_RATE_LIMIT) stops one client; this stops many clients aimed
 * at one person. Keyed by the normalized e-mail whether or not an account has it, so the answer never
 * tells which addresses are registered. Kept in memory, like the per-address limit: with several nodes
 * each counts on its own, which multiplies the allowance by the node count but keeps it bounded.
 * The counts live in the app's state (one map per app, gone with it), not in a module global.
 */
import { type AppContext, stateSlot } from '../../core/context.ts';

export const loginThrottle = {
  /** Wrong passwords in a row before the account's log-in locks. */
  freeFailures: 5,
  firstLockMs: 30_000,
  maxLockMs: 15 * 60_000,
  /** A run of failures is forgotten after this much quiet. */
  forgetAfterMs: 60 * 60_000,
  maxTracked: 100_000,
} as const;

interface Failures {
  count: number;
  lastAt: number;
  lockedUntil: number;
}

const failuresSlot = stateSlot('accounts.loginFailures', () => new Map<string, Failures>(), { shared: true });

/** When the account's log-in opens again, or null when it is open now. */
export function loginLockedUntil(ctx: AppContext, email: string, now: number): number | null {
  const failures = ctx.state.get(failuresSlot);
  const entry = failures.get(email);
  if (!entry) return null;
  if (now - entry.lastAt > loginThrottle.forgetAfterMs) {
    failures.delete(email);
    return null;
  }
  return entry.lockedUntil > now ? entry.lockedUntil : null;
}

export function recordLoginFailure(ctx: AppContext, email: string, now: number): void {
  const failures = ctx.state.get(failuresSlot);
  const previous = failures.get(email);
  const count = previous && now - previous.lastAt <= loginThrottle.forgetAfterMs ? previous.count + 1 : 1;
  const over = count - loginThrottle.freeFailures;
  const lockedUntil = over >= 0 ? now + Math.min(loginThrottle.firstLockMs * 2 ** over, loginThrottle.maxLockMs) : 0;
  // Re-inserted so the map stays in order of last failure, and the oldest go first when it is full.
  failures.delete(email);
  failures.set(email, { count, lastAt: now, lockedUntil });
  if (failures.size > loginThrottle.maxTracked) {
    const oldest = failures.keys().next().value;
    if (oldest !== undefined) failures.delete(oldest);
  }
}

export function clearLoginFailures(ctx: AppContext, email: string): void {
  ctx.state.get(failuresSlot).delete(email);
}
