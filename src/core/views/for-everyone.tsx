/**
 * A part of a page that is the same for every visitor in a language (it reads only `t` and `locale` from the page
 * context): rendered once to HTML by the module that keeps it, then placed in each visitor's page as it is. For a
 * read-mostly page many people load at once (the league tables), where rendering the same table for each of them
 * was most of the request's cost.
 */
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import type { Locale, Translate } from '../i18n/i18n.ts';
import { PageContext, type PageEnvironment } from './page-context.ts';

export function renderForEveryone(t: Translate, locale: Locale, body: VNode): string {
  const environment: PageEnvironment = {
    t,
    locale,
    actor: null,
    actorName: null,
    csrfToken: '',
    path: '',
    flash: null,
    captchaCost: 0,
    altchaEnabled: false,
    unreadNotifications: null,
  };
  return renderToString(<PageContext.Provider value={environment}>{body}</PageContext.Provider>);
}
