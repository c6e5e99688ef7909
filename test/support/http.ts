/** Helpers for driving HTML forms through app.inject, as a browser without JavaScript would. */
import type { App } from '../../src/core/http/server.tsx';

export interface Browser {
  cookies: Map<string, string>;
  get(url: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }>;
  /** Loads `pageUrl`, takes its CSRF token, posts `fields` to `action`. */
  submit(pageUrl: string, action: string, fields: Record<string, string | string[]>): Promise<{ status: number; body: string; location: string | undefined }>;
  post(action: string, fields: Record<string, string | string[]>, csrf: string): Promise<{ status: number; body: string; location: string | undefined }>;
}

export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('page has no CSRF token');
  return match[1];
}

export function browser(app: App, initialCookie?: string): Browser {
  const cookies = new Map<string, string>();
  if (initialCookie) {
    const [name, ...rest] = initialCookie.split('=');
    if (name) cookies.set(name, rest.join('='));
  }
  const cookieHeader = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (setCookie: string | string[] | undefined) => {
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair = '', ...attributes] = line.split(';');
      const index = pair.indexOf('=');
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((a) => /max-age=0|expires=thu, 01 jan 1970/i.test(a.trim()));
      if (expired || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
  };
  const encode = (fields: Record<string, string | string[]>) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(fields)) for (const v of Array.isArray(value) ? value : [value]) params.append(key, v);
    return params.toString();
  };
  const self: Browser = {
    cookies,
    async get(url) {
      const response = await app.inject({ method: 'GET', url, headers: { cookie: cookieHeader() } });
      remember(response.headers['set-cookie'] as string[] | undefined);
      return { status: response.statusCode, body: response.body, headers: response.headers };
    },
    async post(action, fields, csrf) {
      const response = await app.inject({
        method: 'POST',
        url: action,
        headers: { cookie: cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
        payload: encode({ _csrf: csrf, ...fields }),
      });
      remember(response.headers['set-cookie'] as string[] | undefined);
      return { status: response.statusCode, body: response.body, location: response.headers.location as string | undefined };
    },
    async submit(pageUrl, action, fields) {
      const page = await self.get(pageUrl);
      return self.post(action, fields, csrfFrom(page.body));
    },
  };
  return self;
}

/** The entities the page renderer escapes, back to text. */
export const decode = (value: string) =>
  value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

function attributes(tag: string): Record<string, string> {
  return Object.fromEntries([...tag.matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map((m) => [m[1] as string, decode(m[2] ?? '')]));
}

/** What a browser would send for the form posting to `action`, untouched: inputs (not files), checked boxes, textareas, selected options. */
export function formFields(html: string, action: string): Record<string, string[]> {
  const start = html.indexOf(`action="${action}"`);
  if (start < 0) throw new Error(`no form posting to ${action}`);
  const form = html.slice(start, html.indexOf('</form>', start));
  const fields: Record<string, string[]> = {};
  const add = (name: string | undefined, value: string) => {
    if (name && name !== '_csrf') fields[name] = [...(fields[name] ?? []), value];
  };
  for (const [, tag = ''] of form.matchAll(/<input ([^>]*?)\/?>/g)) {
    const a = attributes(tag);
    if (a.type === 'file' || (a.type === 'checkbox' && !('checked' in a))) continue;
    add(a.name, a.value ?? '');
  }
  for (const [, tag = '', text = ''] of form.matchAll(/<textarea ([^>]*)>([\s\S]*?)<\/textarea>/g)) add(attributes(tag).name, decode(text));
  for (const [, tag = '', options = ''] of form.matchAll(/<select ([^>]*)>([\s\S]*?)<\/select>/g)) {
    const a = attributes(tag);
    const all = [...options.matchAll(/<option ([^>]*)>/g)].map((m) => attributes(m[1] ?? ''));
    const selected = all.filter((o) => 'selected' in o);
    if (selected.length === 0 && !('multiple' in a) && all[0]) selected.push(all[0]);
    for (const option of selected) add(a.name, option.value ?? '');
  }
  return fields;
}
