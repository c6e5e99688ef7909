/**
 * When each personal API token was last used, written in batches. The owner sees it on the tokens
 * page to spot a token that leaked or is no longer needed, where minute precision is plenty; writing
 * it on every request would add a second durable commit to every API call (in a signing burst,
 * every signer's token is used for the first time).
 *
 * Uses are kept in memory for at most `flushAfterMs` and written with one statement. Listing tokens
 * flushes first, and the app flushes on close, so a user never sees a use older than their own.
 */
import { sql } from 'kysely';
import type { AppContext } from '../../core/context.ts';

export const flushAfterMs = 5_000;

class TokenUses {
  readonly #pending = new Map<number, Date>();
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> = Promise.resolve();

  constructor(private readonly ctx: AppContext) {}

  record(tokenId: number, at: Date): void {
    this.#pending.set(tokenId, at);
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.flush().catch((error: unknown) => this.ctx.log.error({ err: error }, 'could not record API token use'));
    }, flushAfterMs);
    this.#timer.unref();
  }

  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const batch = [...this.#pending].map(([id, at]) => ({ id, at: at.toISOString() }));
    this.#pending.clear();
    // One flush at a time, in order: a later use is never overwritten by an earlier batch.
    // A failed batch was reported to its caller; it does not stop the next ones.
    this.#flushing = this.#flushing
      .catch(() => undefined)
      .then(async () => {
        if (batch.length === 0) return;
        await sql`
        update api_tokens t set last_used_at = u.at
        from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) as u(id integer, at timestamptz)
        where t.id = u.id and (t.last_used_at is null or t.last_used_at < u.at)`.execute(this.ctx.db);
      });
    return this.#flushing;
  }
}

const byContext = new WeakMap<AppContext, TokenUses>();

function usesOf(ctx: AppContext): TokenUses {
  let uses = byContext.get(ctx);
  if (!uses) {
    uses = new TokenUses(ctx);
    byContext.set(ctx, uses);
  }
  return uses;
}

export function recordTokenUse(ctx: AppContext, tokenId: number, at: Date): void {
  usesOf(ctx).record(tokenId, at);
}

export function flushTokenUses(ctx: AppContext): Promise<void> {
  return byContext.get(ctx)?.flush() ?? Promise.resolve();
}
