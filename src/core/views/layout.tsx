/** The frame of every page: skip link, header with navigation, main landmark, footer. */
import { type ComponentChildren, isValidElement } from 'preact';
import { can, passesGate } from '../policy.ts';
import { usePage } from './page-context.ts';

/** A <link> a page wants in <head>, e.g. its Atom feed. */
export interface HeadLink {
  rel: 'alternate';
  type: string;
  href: string;
  title: string;
}

/**
 * The layout receives only the page's body, so a page asks for head links through a `headLinks`
 * prop on its root element (`<ProblemsIndex headLinks={[…]} />`).
 */
function headLinksOf(children: ComponentChildren): HeadLink[] {
  if (!isValidElement(children)) return [];
  const links = (children.props as { headLinks?: unknown }).headLinks;
  return Array.isArray(links) ? (links as HeadLink[]) : [];
}

export interface LayoutProps {
  title: string;
  children: ComponentChildren;
  /** Extra islands this page needs (file names under /static/assets/). */
  scripts?: string[];
}

export function Layout({ title, children, scripts = [] }: LayoutProps) {
  const { t, locale, actor, actorName, csrfToken, path, flash, unreadNotifications } = usePage();
  const otherLocale = locale === 'ru' ? 'en' : 'ru';
  return (
    <html lang={locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} — Democrator`}</title>
        <link rel="stylesheet" href="/static/styles.css" />
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        {headLinksOf(children).map((link) => (
          <link rel={link.rel} type={link.type} href={link.href} title={link.title} key={link.href} />
        ))}
        {scripts.map((name) => (
          <script type="module" src={`/static/assets/${name}`} key={name} />
        ))}
      </head>
      <body>
        <a class="skip-link" href="#main">
          {t('layout.skip')}
        </a>
        <header class="site-header">
          <div class="container header-row">
            <a class="brand" href="/">
              <span class="brand-mark" aria-hidden="true">
                Д
              </span>
              Democrator
            </a>
            <nav aria-label={t('layout.navigation')} class="main-nav">
              <ul>
                <li>
                  <a href="/problems" aria-current={path.startsWith('/problems') ? 'page' : undefined}>
                    {t('nav.problems')}
                  </a>
                </li>
                <li>
                  <a href="/territories" aria-current={path.startsWith('/territories') ? 'page' : undefined}>
                    {t('nav.territories')}
                  </a>
                </li>
                <li>
                  <a href="/organizations" aria-current={path.startsWith('/organizations') ? 'page' : undefined}>
                    {t('nav.organizations')}
                  </a>
                </li>
                {passesGate(actor, 'cabinet.enter') && (
                  <li>
                    <a href="/cabinet" aria-current={path.startsWith('/cabinet') ? 'page' : undefined}>
                      {t('nav.cabinet')}
                    </a>
                  </li>
                )}
                {can(actor, 'moderation.queue') && (
                  <li>
                    <a href="/moderation" aria-current={path.startsWith('/moderation') && path !== '/moderation/mine' ? 'page' : undefined}>
                      {t('nav.moderation')}
                    </a>
                  </li>
                )}
                {can(actor, 'admin.view') && (
                  <li>
                    <a href="/admin" aria-current={path.startsWith('/admin') ? 'page' : undefined}>
                      {t('nav.admin')}
                    </a>
                  </li>
                )}
              </ul>
            </nav>
            <div class="account-nav">
              {actor ? (
                <>
                  <a href="/notifications" class="notifications-link" aria-current={path === '/notifications' ? 'page' : undefined}>
                    {t('nav.notifications')}
                    {unreadNotifications !== null && unreadNotifications > 0 && (
                      <span class="unread-count" data-testid="unread-count">
                        <span aria-hidden="true">{unreadNotifications >= 100 ? '99+' : unreadNotifications}</span>
                        <span class="visually-hidden">{t('nav.unread', { count: unreadNotifications })}</span>
                      </span>
                    )}
                  </a>
                  <a href="/messages" aria-current={path.startsWith('/messages') ? 'page' : undefined}>
                    {t('nav.messages')}
                  </a>
                  <a href="/account">{actorName ?? t('nav.account')}</a>
                  <form method="post" action="/logout" class="inline-form">
                    <input type="hidden" name="_csrf" value={csrfToken} />
                    <button type="submit" class="link-button">
                      {t('nav.logout')}
                    </button>
                  </form>
                </>
              ) : (
                <>
                  <a href="/login">{t('nav.login')}</a>
                  <a href="/register" class="button button-small">
                    {t('nav.register')}
                  </a>
                </>
              )}
              <a href={`/locale/${otherLocale}?return=${encodeURIComponent(path)}`} lang={otherLocale} hreflang={otherLocale}>
                {otherLocale === 'en' ? 'English' : 'Русский'}
              </a>
            </div>
          </div>
        </header>
        <main id="main" class="container" tabIndex={-1}>
          {flash && (
            <div class="flash" role="status">
              {flash}
            </div>
          )}
          {children}
        </main>
        <footer class="site-footer">
          <div class="container">
            <p>{t('layout.footer')}</p>
            <p>
              <a href="/api/docs">{t('layout.api')}</a>
            </p>
          </div>
        </footer>
      </body>
    </html>
  );
}
