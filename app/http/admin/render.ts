/**
 * @module http/admin/render
 * JSX element -> HTML response (with the doctype for full pages), and form-field readers.
 */
import type { Context } from 'hono';
import type { JSX } from 'hono/jsx/jsx-runtime';

type Status = 200 | 400 | 403 | 404 | 409 | 429 | 502;

export async function page(c: Context, el: JSX.Element, status: Status = 200): Promise<Response> {
  return c.html('<!doctype html>' + (await el).toString(), status);
}

export async function fragment(c: Context, el: JSX.Element, status: Status = 200): Promise<Response> {
  return c.html((await el).toString(), status);
}

export async function formOf(c: Context): Promise<Record<string, string>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return {};
  const body = await c.req.parseBody().catch(() => ({}));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}

export const isHtmx = (c: Context) => !!c.req.header('hx-request');

/** an integer field, or undefined when empty; NaN when not a whole number (the validators refuse it) */
export function intField(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  return /^\s*-?\d+\s*$/.test(v) ? Number(v) : NaN;
}
