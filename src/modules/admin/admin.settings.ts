/**
 * Site settings: the default threshold, the review window, the report threshold, the rate limits and the ALTCHA
 * switch, stored in
 * `site_settings` (a row per setting changed from its default in src/config.ts), edited by admins and audit logged.
 * `siteSettings(ctx)` is cached in memory for a few seconds (dropped at once on a change in this process), so
 * another node sees a change within that time; other modules read it through `ctx.ports.settings`.
 */
import type { Config } from '../../config.ts';
import { audit } from '../../core/audit.ts';
import { type AppContext, stateSlot } from '../../core/context.ts';
import type { Executor } from '../../core/db/database.ts';
import { FieldChecks } from '../../core/errors.ts';
import { type RateLimitedAction, rateLimitedActions, type SiteSettings } from '../../core/site-settings.ts';

export interface SettingDefinition {
  min: number;
  max: number;
  /** The default, from the configuration, and the variable that sets it. */
  default(config: Config): number;
  variable: string;
}

type RateLimitKey = `rateLimit${Capitalize<RateLimitedAction>}`;
const rateLimitKey = (action: RateLimitedAction) => `rateLimit${action.charAt(0).toUpperCase()}${action.slice(1)}` as RateLimitKey;
export type SettingKey = 'appealThreshold' | 'reviewDays' | 'reportThreshold' | RateLimitKey | 'rateLimitWithoutProof' | 'altchaEnabled';
/** Settings that are a switch: 1 on, 0 off (a checkbox on the form). */
export const switchKeys: ReadonlySet<SettingKey> = new Set(['altchaEnabled']);

const rateLimitDefaults: Record<RateLimitedAction, { variable: string; default: (config: Config) => number }> = {
  sign: { variable: 'RATE_LIMIT_SIGN', default: (c) => c.rateLimits.sign },
  register: { variable: 'RATE_LIMIT_REGISTER', default: (c) => c.rateLimits.register },
  publish: { variable: 'RATE_LIMIT_PUBLISH', default: (c) => c.rateLimits.publish },
  comment: { variable: 'RATE_LIMIT_COMMENT', default: (c) => c.rateLimits.comment },
  report: { variable: 'RATE_LIMIT_REPORT', default: (c) => c.rateLimits.report },
};

/** Every setting, in the order the form shows them. */
export const settingDefinitions: Record<SettingKey, SettingDefinition> = {
  appealThreshold: { min: 1, max: 100_000, default: (c) => c.defaultAppealThreshold, variable: 'DEFAULT_APPEAL_THRESHOLD' },
  reviewDays: { min: 1, max: 90, default: (c) => c.reviewDays, variable: 'REVIEW_DAYS' },
  reportThreshold: { min: 1, max: 1000, default: (c) => c.reportThreshold, variable: 'REPORT_THRESHOLD' },
  ...(Object.fromEntries(
    rateLimitedActions.map((action) => [
      rateLimitKey(action),
      { min: 1, max: 100_000, default: rateLimitDefaults[action].default, variable: rateLimitDefaults[action].variable },
    ]),
  ) as Record<RateLimitKey, SettingDefinition>),
  rateLimitWithoutProof: { min: 1, max: 100_000, default: (c) => c.rateLimitWithoutProof, variable: 'RATE_LIMIT_WITHOUT_PROOF' },
  altchaEnabled: { min: 0, max: 1, default: (c) => (c.altchaEnabled ? 1 : 0), variable: 'ALTCHA_ENABLED' },
};
export const settingKeys = Object.keys(settingDefinitions) as SettingKey[];

/** How long a node keeps the settings it read: another node's change is seen within this. */
export const settingsCacheMs = 5000;

interface Cache {
  value: Record<SettingKey, number> | null;
  loadedAt: number;
  loading: Promise<Record<SettingKey, number>> | null;
}
const cacheSlot = stateSlot<Cache>('admin.settings', () => ({ value: null, loadedAt: 0, loading: null }));

async function load(ctx: AppContext, executor: Executor = ctx.db): Promise<Record<SettingKey, number>> {
  const rows = await executor.selectFrom('site_settings').select(['key', 'value']).execute();
  const stored = new Map(rows.map((row) => [row.key, row.value]));
  return Object.fromEntries(settingKeys.map((key) => [key, stored.get(key) ?? settingDefinitions[key].default(ctx.config)])) as Record<SettingKey, number>;
}

/** Every setting by its key, from the cache when it is fresh. */
export async function settingValues(ctx: AppContext, executor: Executor = ctx.db): Promise<Record<SettingKey, number>> {
  const cache = ctx.state.get(cacheSlot);
  if (cache.value && Date.now() - cache.loadedAt < settingsCacheMs) return cache.value;
  // Inside a transaction, read through it, alone (a shared load might be waiting for the connection it holds).
  if (executor !== ctx.db) return load(ctx, executor);
  cache.loading ??= load(ctx).then(
    (value) => {
      Object.assign(cache, { value, loadedAt: Date.now(), loading: null });
      return value;
    },
    (error: unknown) => {
      cache.loading = null;
      throw error;
    },
  );
  return cache.loading;
}

/** The settings, typed, as the other modules use them (ctx.ports.settings.current). */
export async function siteSettings(ctx: AppContext, executor: Executor = ctx.db): Promise<SiteSettings> {
  const values = await settingValues(ctx, executor);
  return {
    appealThreshold: values.appealThreshold,
    reviewDays: values.reviewDays,
    reportThreshold: values.reportThreshold,
    rateLimits: Object.fromEntries(rateLimitedActions.map((action) => [action, values[rateLimitKey(action)]])) as Record<RateLimitedAction, number>,
    altchaEnabled: values.altchaEnabled === 1,
    withoutProofPerHour: values.rateLimitWithoutProof,
  };
}

/**
 * Saves the settings the form sends (each a whole number in its range, else 422 naming every bad field, and nothing
 * saved); a value equal to the default removes its row, so a later change of the default applies to it. Audit logged
 * as `settings.update` with each change's before and after.
 */
export async function updateSiteSettings(
  ctx: AppContext,
  actorId: number,
  input: Partial<Record<SettingKey, string | number>>,
  ip: string | null = null,
): Promise<Record<SettingKey, number>> {
  const checks = new FieldChecks();
  const wanted = new Map<SettingKey, number>();
  for (const key of settingKeys) {
    const raw = input[key];
    if (raw === undefined) continue;
    const text = String(raw).trim();
    const value = /^[0-9]{1,7}$/.test(text) ? Number(text) : Number.NaN;
    const { min, max } = settingDefinitions[key];
    if (!Number.isInteger(value) || value < min || value > max) checks.add(key, 'settingRange', { min, max });
    else wanted.set(key, value);
  }
  checks.throwIfAny();
  const before = await load(ctx);
  const changes: Record<string, { from: number; to: number }> = {};
  await ctx.db.transaction().execute(async (trx) => {
    for (const [key, value] of wanted) {
      if (before[key] === value) continue;
      changes[key] = { from: before[key], to: value };
      if (value === settingDefinitions[key].default(ctx.config)) await trx.deleteFrom('site_settings').where('key', '=', key).execute();
      else
        await trx
          .insertInto('site_settings')
          .values({ key, value, updated_by: actorId, updated_at: ctx.now() })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_by: actorId, updated_at: ctx.now() }))
          .execute();
    }
    if (Object.keys(changes).length > 0) await audit(trx, { actorId, action: 'settings.update', subjectType: 'settings', details: { changes }, ip });
  });
  // This node sees its change at once; the others within settingsCacheMs.
  Object.assign(ctx.state.get(cacheSlot), { value: null, loadedAt: 0, loading: null });
  return settingValues(ctx);
}
