/**
 * The site's settings as every module reads them. The admin module keeps them in the database, edits them
 * (/admin/settings) and answers this port (admin.settings.ts: siteSettings, plugged in by src/app.ts), so a
 * module below admin (organizations, answers, problems …) reads them as `ctx.ports.settings.current(ctx)`.
 */
import type { AppContext } from './context.ts';
import type { Executor } from './db/database.ts';

/** The actions limited per client address and per account, each to a number of requests a minute. */
export const rateLimitedActions = ['sign', 'register', 'publish', 'comment', 'report'] as const;
export type RateLimitedAction = (typeof rateLimitedActions)[number];

export interface SiteSettings {
  /** The threshold an organization gets when its form leaves it empty; each appeal keeps the one it opened with. */
  appealThreshold: number;
  /** Days of the review window a published answer opens. */
  reviewDays: number;
  /** Reports from different people that hide content pending review. */
  reportThreshold: number;
  /** Requests a minute, per client address and per account. */
  rateLimits: Record<RateLimitedAction, number>;
  /** Whether signing, registering and publishing ask for the ALTCHA proof of work (core/security/altcha.ts). */
  altchaEnabled: boolean;
  /** Registrations, and separately problems, an hour per client address that come without an ALTCHA solution. */
  withoutProofPerHour: number;
}

export interface SiteSettingsPort {
  /**
   * The current settings: cached for a few seconds, so a change made on another node is seen within them. Inside a
   * transaction pass it as `executor`: a cold cache is read through it (PGlite has one connection, which the
   * transaction holds).
   */
  current(ctx: AppContext, executor?: Executor): Promise<SiteSettings>;
}

declare module './context.ts' {
  interface Ports {
    settings: SiteSettingsPort;
  }
}
