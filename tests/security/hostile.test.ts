/**
 * Hostile input in every text field of every form the app shows. The forms are not listed by
 * hand: every GET page of the route × role table (tests/security/matrix/*.ts, which itself must
 * cover the app's whole route list) is opened as an administrator, every <form method="post">
 * on it is read, filled with plausible values, and submitted once per text field per payload
 * with that field hostile: script tags, attribute breakers, RTL override, SQL fragments, null
 * bytes, 1 MB strings. Each answer must be a refusal (4xx) or a success; never a 5xx; and no page
 * (the answer, or any page afterwards) may contain the payload unescaped. The database must
 * still be whole at the end.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp } from '../helpers.ts';
import type { MatrixPart, Org } from './matrix-types.ts';

const parts = import.meta.glob<{ part: MatrixPart }>('./matrix/*.ts', { eager: true });
const GETS: MatrixPart['gets'] = {};
for (const { part } of Object.values(parts)) Object.assign(GETS, part.gets);

const SCRIPT = '<script>alert("x1")</script>';
const ATTR = '"><img src=x onerror=alert(2)>';
/** one payload per field carries the markup, the RTL override and the SQL fragment together */
const PAYLOADS: Record<string, string> = {
  markup: `${SCRIPT} ${ATTR} \u202Etxt.exe\u202C x'); DROP TABLE users; -- " OR 1=1 --`,
  nullByte: 'before\u0000after',
};
/** and once per form every text field at once gets 1 MB */
const HUGE = 'x'.repeat(1024 * 1024);
/** what must never appear in a page: the raw markup of the payloads */
const RAW = ['<script>alert("x1")', '<img src=x onerror=alert(2)>'];

// forms that end the session or are covered by their own tests
const SKIP_ACTION = /\/(logout|login|lang\/\w+)$|\/(deactivate|delete|revoke|reset-password)$/;

interface Field {
  name: string;
  kind: 'text' | 'textarea' | 'select' | 'checkbox' | 'radio' | 'hidden' | 'number' | 'date' | 'time' | 'other';
  type: string;
  value: string;
  checked: boolean;
  options: string[];
}
interface Form {
  page: string;
  action: string;
  multipart: boolean;
  fields: Field[];
}

const attr = (tag: string, name: string) => {
  const m = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag);
  return m
    ? m[1]
        .replace(/&amp;/g, '&')
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
    : null;
};

/** the post forms of a page and their named fields */
function formsOf(page: string, html: string): Form[] {
  const out: Form[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const head = m[1];
    if ((attr(`<f ${head}`, 'method') ?? 'get').toLowerCase() !== 'post') continue;
    const action = (attr(`<f ${head}`, 'action') ?? page).split('?')[0];
    const body = m[2];
    const fields: Field[] = [];
    for (const t of body.matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(t[0], 'name');
      if (!name || name === '_csrf') continue;
      const type = (attr(t[0], 'type') ?? 'text').toLowerCase();
      const kind: Field['kind'] =
        type === 'checkbox' || type === 'radio' || type === 'hidden' || type === 'number'
          ? type
          : type === 'date' || type === 'time'
            ? type
            : ['text', 'search', 'tel', 'email', 'url', 'password', 'datetime-local'].includes(type)
              ? 'text'
              : 'other';
      fields.push({
        name,
        kind,
        type,
        value: attr(t[0], 'value') ?? '',
        checked: /\schecked\b/.test(t[0]),
        options: [],
      });
    }
    for (const t of body.matchAll(/<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi)) {
      const name = attr(`<t ${t[1]}`, 'name');
      if (name) fields.push({ name, kind: 'textarea', type: 'textarea', value: t[2], checked: false, options: [] });
    }
    for (const t of body.matchAll(/<select\b([^>]*)>([\s\S]*?)<\/select>/gi)) {
      const name = attr(`<s ${t[1]}`, 'name');
      if (!name) continue;
      const options = [...t[2].matchAll(/<option\b[^>]*value="([^"]*)"/gi)].map((o) => o[1]);
      const selected = /<option\b[^>]*value="([^"]*)"[^>]*\sselected/i.exec(t[2])?.[1];
      fields.push({ name, kind: 'select', type: 'select', value: selected ?? '', checked: false, options });
    }
    out.push({ page, action, multipart: /multipart/i.test(head), fields });
  }
  return out;
}

let n = 0;
/** plausible values so that one hostile field at a time can get through validation */
function baseline(form: Form): Record<string, string | string[]> {
  const today = new Date().toISOString().slice(0, 10);
  const values: Record<string, string | string[]> = {};
  for (const f of form.fields) {
    if (f.kind === 'checkbox') {
      if (f.checked) values[f.name] = [...[values[f.name] ?? []].flat(), f.value || 'on'];
    } else if (f.kind === 'radio') {
      if (f.checked || !(f.name in values)) values[f.name] = f.value;
    } else if (f.kind === 'select') {
      values[f.name] = f.value || f.options.find((o) => o !== '') || '';
    } else if (f.value) values[f.name] = f.value;
    else if (f.name === 'username') values[f.name] = `hostile${++n}`;
    else if (f.kind === 'date') values[f.name] = today;
    else if (f.kind === 'time') values[f.name] = f.name.toLowerCase().includes('end') ? '11:00' : '10:00';
    else if (f.kind === 'number') values[f.name] = '1';
    else if (f.type === 'datetime-local' || /phone|email|url|code|password|confirm|current/i.test(f.name))
      values[f.name] = '';
    else values[f.name] = 'نص تجريبي';
  }
  return values;
}

let t: TestApp;
let org: Org;
let admin: Client;
const forms: Form[] = [];
const pages: string[] = [];
beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  admin = new Client(t.app);
  await admin.login('admin');
  for (const [url, spec] of Object.entries(GETS)) {
    if (/\.(csv|ics)$|^\/assets\//.test(url) || url === '/login' || url === '/healthz') continue;
    const params = (await spec.params?.(t, org)) ?? {};
    const target = url.replace(/:(\w+)/g, (_, k: string) => String(params[k] ?? 1));
    const res = await admin.get(target);
    if (res.status !== 200 || !String(res.headers['content-type']).includes('text/html')) continue;
    pages.push(target);
    for (const f of formsOf(target, res.body)) if (!SKIP_ACTION.test(f.action)) forms.push(f);
  }
});
afterAll(() => t.close());

describe('hostile input in every form field', () => {
  it('finds the forms to attack', () => {
    expect(pages.length).toBeGreaterThan(5);
    expect(forms.length).toBeGreaterThan(3);
    expect(forms.some((f) => f.action === '/admin/users')).toBe(true);
  });

  it('refuses or stores and escapes every payload, never a 5xx', { timeout: 120_000 }, async () => {
    const problems: string[] = [];
    let stored = 0;
    for (const form of forms) {
      const targets = form.fields.filter((f) => f.kind === 'text' || f.kind === 'textarea');
      const attempts: [string, Record<string, string | string[]>][] = [];
      for (const field of targets)
        for (const [label, payload] of Object.entries(PAYLOADS))
          attempts.push([`${field.name}=${label}`, { ...baseline(form), [field.name]: payload }]);
      if (targets.length)
        attempts.push(['all=1MB', { ...baseline(form), ...Object.fromEntries(targets.map((f) => [f.name, HUGE])) }]);
      for (const [label, values] of attempts) {
        const res = form.multipart
          ? await postMultipart(admin, form.action, values)
          : await admin.post(form.action, values);
        const where = `${form.action} ${label}`;
        if (res.status >= 500) problems.push(`${where}: ${res.status}`);
        for (const raw of RAW) if (res.body.includes(raw)) problems.push(`${where}: unescaped in the answer`);
        if (res.status < 400) {
          stored++;
          if (res.location?.startsWith('/')) {
            const next = await admin.get(res.location);
            if (next.status >= 500) problems.push(`${where}: ${next.status} on ${res.location}`);
            for (const raw of RAW) if (next.body.includes(raw)) problems.push(`${where}: unescaped on ${res.location}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(stored).toBeGreaterThan(0);
    console.log(`hostile input: ${forms.length} forms on ${pages.length} pages, ${stored} submissions stored`);
  });

  it('shows no stored payload unescaped on any page afterwards', async () => {
    const problems: string[] = [];
    for (const page of pages) {
      const res = await admin.get(page);
      if (res.status >= 500) problems.push(`${page}: ${res.status}`);
      for (const raw of RAW) if (res.body.includes(raw)) problems.push(`${page}: unescaped payload`);
    }
    expect(problems).toEqual([]);
    // the SQL fragments did nothing: the tables are there and whole
    expect(t.db.get<{ n: number }>(sql`select count(*) as n from users`).n).toBeGreaterThan(4);
    expect(t.db.$client.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((await new Client(t.app).login('office')).status).toBe(303);
  });

  it('refuses hostile sign-in input without a 5xx and without echoing markup', async () => {
    for (const payload of [...Object.values(PAYLOADS), HUGE]) {
      const c = new Client(t.app);
      c.ip = `10.77.0.${++n % 250}`;
      await c.get('/login');
      const res = await c.post('/login', { login: payload, password: payload });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      for (const raw of RAW) expect(res.body).not.toContain(raw);
    }
  });
});

async function postMultipart(c: Client, url: string, values: Record<string, string | string[]>) {
  const boundary = `----taahil${Date.now()}`;
  const chunks: string[] = [];
  for (const [k, v] of Object.entries({ _csrf: c.csrf ?? '', ...values }))
    for (const item of [v].flat())
      chunks.push(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${item}\r\n`);
  chunks.push(`--${boundary}--\r\n`);
  return c.request('POST', `${url}?_csrf=${encodeURIComponent(c.csrf ?? '')}`, {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: Buffer.from(chunks.join(''), 'utf8'),
  });
}
