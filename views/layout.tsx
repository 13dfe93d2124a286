/**
 * @module views/layout
 * The one page shell of the admin console: nav, CSS, htmx (with the session's CSRF token sent
 * as a header on every htmx request) and the small console script. Children are escaped JSX.
 */
import type { Child } from 'hono/jsx';

export interface LayoutProps {
  title: string;
  /** absent on the sign-in and setup pages */
  csrf?: string;
  user?: string;
  active?: 'live' | 'channels' | 'keys' | 'vod';
  children?: Child;
}

const NAV: [LayoutProps['active'], string, string][] = [
  ['live', '/admin', 'Live'],
  ['channels', '/admin/channels', 'Channels'],
  ['keys', '/admin/keys', 'Access keys'],
  ['vod', '/admin/vod', 'VOD'],
];

export function Layout(p: LayoutProps) {
  const headers = p.csrf ? JSON.stringify({ 'X-CSRF-Token': p.csrf }) : undefined;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content='{"noSwap":[204,304]}' />
        <title>{p.title} · LiveChannel gateway</title>
        <link rel="stylesheet" href="/static/admin.css" />
        <script src="/static/htmx.min.js" defer></script>
        <script src="/static/admin.js" defer></script>
      </head>
      <body {...(headers ? { 'hx-headers:inherited': headers } : {})}>
        <header class="top">
          <a class="brand" href="/admin">LiveChannel gateway</a>
          {p.user && (
            <nav>
              {NAV.map(([k, href, label]) => (
                <a href={href} class={k === p.active ? 'on' : undefined}>{label}</a>
              ))}
              <form method="post" action="/admin/logout" class="inline">
                <input type="hidden" name="_csrf" value={p.csrf} />
                <button type="submit" class="link">Sign out</button>
              </form>
            </nav>
          )}
        </header>
        <main>{p.children}</main>
      </body>
    </html>
  );
}

/** hidden CSRF field for every form */
export const Csrf = ({ token }: { token: string }) => <input type="hidden" name="_csrf" value={token} />;

export const Notice = ({ error, ok }: { error?: string; ok?: string }) => (
  <>
    {error && <p class="msg err" role="alert">{error}</p>}
    {ok && <p class="msg ok" role="status">{ok}</p>}
  </>
);
