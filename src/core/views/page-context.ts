import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Locale, Translate } from '../i18n/i18n.ts';
import type { Actor } from '../policy.ts';

/** What every component of a page may need: translation, the visitor, the CSRF token. */
export interface PageEnvironment {
  t: Translate;
  locale: Locale;
  actor: Actor | null;
  /** Display name of the signed-in user for the header. */
  actorName: string | null;
  csrfToken: string;
  path: string;
  flash: string | null;
  captchaCost: number;
  /** Whether forms carry the ALTCHA widget (the site setting). */
  altchaEnabled: boolean;
  /** Unread notifications of the signed-in person (null: anonymous, or not counted). */
  unreadNotifications: number | null;
}

export const PageContext = createContext<PageEnvironment | null>(null);

export function usePage(): PageEnvironment {
  const environment = useContext(PageContext);
  if (!environment) throw new Error('component rendered outside a page');
  return environment;
}
