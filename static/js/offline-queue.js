// The phone's queue of attendance marks (an ES module; load it with
// `import('/static/js/offline-queue.js')`). Marks wait in IndexedDB until the server has taken
// them; the server's idempotent sync (POST /offline/sync) makes a replay harmless.
//
//   enqueue({ sessionId, memberId | cardToken, status, at?, clientId?, userId?, label? }) → item
//       at: when it was marked (ms, this phone's clock; default now); clientId: made up if absent;
//       label: { member, session } shown in the queue lists. A newer waiting mark of the same
//       member in the same session replaces the older one.
//   flush({ userId? }) → { sent, results, authLost, offline }: sends every waiting mark (of that user)
//   list({ sessionId? }) → every item, oldest first
//   dismiss(clientId): forgets a refused or replaced item (the trainer has read it)
//   startAutoFlush({ userId }): sends by itself on load, when the connection returns, and every 30 s
//   onChange(fn): fn() after any change (in this tab or another one)
//   keepRoster({ sessionId, url, title, startsAt, fetchedAt }), keptRosters(): what is kept on the phone
//
// An item's state: 'waiting' → 'sending' → 'saved' | 'overridden' (a later change on the server
// stays; item.message says which) | 'refused' (item.reason, item.message). Saved items are kept a
// few days so a roster read from the phone's copy still shows them as saved.

const DB_NAME = 'taahil-offline';
const QUEUE = 'queue';
const ROSTERS = 'rosters';
const KEEP_SAVED_MS = 3 * 86_400_000;
const SENDING_STALE_MS = 60_000;
const BATCH = 200;
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('taahil-offline') : null;
const listeners = new Set();

let dbPromise = null;
function open() {
  dbPromise ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(QUEUE)) db.createObjectStore(QUEUE, { keyPath: 'clientId' });
      if (!db.objectStoreNames.contains(ROSTERS)) db.createObjectStore(ROSTERS, { keyPath: 'sessionId' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return dbPromise;
}

async function run(store, mode, fn) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const t = db.transaction(store, mode);
    const s = t.objectStore(store);
    let out;
    Promise.resolve(fn(s)).then((v) => {
      out = v;
    }, reject);
    t.oncomplete = () => resolve(out);
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}
const req = (r) =>
  new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
const all = (store) => run(store, 'readonly', (s) => req(s.getAll()));

function changed() {
  for (const fn of listeners) fn();
  channel?.postMessage('changed');
}
channel?.addEventListener('message', () => {
  for (const fn of listeners) fn();
});

export function onChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

const newId = () =>
  typeof crypto.randomUUID === 'function'
    ? crypto.randomUUID().replace(/-/g, '')
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
const sameTarget = (a, b) =>
  a.sessionId === b.sessionId &&
  (a.userId ?? null) === (b.userId ?? null) &&
  (a.memberId !== undefined ? a.memberId === b.memberId : a.cardToken === b.cardToken);

export async function enqueue(input) {
  const item = {
    clientId: input.clientId ?? newId(),
    sessionId: Number(input.sessionId),
    status: input.status,
    at: input.at ?? Date.now(),
    state: 'waiting',
    label: input.label ?? null,
  };
  if (input.memberId !== undefined && input.memberId !== null) item.memberId = Number(input.memberId);
  else item.cardToken = String(input.cardToken);
  if (input.userId) item.userId = Number(input.userId);
  await run(QUEUE, 'readwrite', async (s) => {
    const items = await req(s.getAll());
    // a newer mark of the same member replaces one still waiting (never one on its way to the server)
    for (const old of items)
      if (sameTarget(old, item) && (old.state === 'waiting' || old.state === 'saved' || old.state === 'refused'))
        s.delete(old.clientId);
    s.put(item);
  });
  changed();
  return item;
}

export async function list(filter = {}) {
  const items = await all(QUEUE);
  return items
    .filter((i) => filter.sessionId === undefined || i.sessionId === Number(filter.sessionId))
    .sort((a, b) => a.at - b.at);
}

export async function dismiss(clientId) {
  await run(QUEUE, 'readwrite', (s) => s.delete(clientId));
  changed();
}

async function update(items) {
  await run(QUEUE, 'readwrite', (s) => {
    for (const i of items) s.put(i);
  });
}

function csrfToken() {
  return document.querySelector('input[name="_csrf"]')?.value ?? '';
}

let flushing = null;
/** Sends every waiting mark; one flush at a time in this tab (and across tabs where Web Locks exist). */
export function flush(opts = {}) {
  flushing ??= (async () => {
    try {
      if (navigator.locks?.request) return await navigator.locks.request('taahil-offline-flush', () => flushNow(opts));
      return await flushNow(opts);
    } finally {
      flushing = null;
    }
  })();
  return flushing;
}

async function flushNow(opts) {
  const userId = opts.userId !== undefined && opts.userId !== null ? Number(opts.userId) : null;
  const now = Date.now();
  const items = (await all(QUEUE)).filter(
    (i) =>
      (i.state === 'waiting' || (i.state === 'sending' && now - (i.sentAt ?? 0) > SENDING_STALE_MS)) &&
      (userId === null || i.userId === undefined || i.userId === userId),
  );
  // forget saved marks after a few days
  const old = (await all(QUEUE)).filter((i) => i.state === 'saved' && now - (i.savedAt ?? 0) > KEEP_SAVED_MS);
  if (old.length)
    await run(QUEUE, 'readwrite', (s) => {
      for (const i of old) s.delete(i.clientId);
    });
  const out = { sent: 0, results: [], authLost: false, offline: false };
  if (items.length === 0) return out;
  if (navigator.onLine === false) {
    out.offline = true;
    return out;
  }
  for (let k = 0; k < items.length; k += BATCH) {
    const batch = items.slice(k, k + BATCH);
    for (const i of batch) {
      i.state = 'sending';
      i.sentAt = Date.now();
    }
    await update(batch);
    changed();
    let res = null;
    let data = null;
    try {
      res = await fetch('/offline/sync', {
        method: 'POST',
        credentials: 'same-origin',
        redirect: 'manual',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-csrf-token': csrfToken() },
        body: JSON.stringify({
          sentAt: Date.now(),
          items: batch.map(({ clientId, sessionId, memberId, cardToken, status, at, userId: u }) => ({
            clientId,
            sessionId,
            memberId,
            cardToken,
            status,
            at,
            userId: u,
          })),
        }),
      });
      data = res.ok ? await res.json() : null;
    } catch {
      res = null;
    }
    if (!res || !data?.ok) {
      // nothing was taken: the marks wait for the next try
      for (const i of batch) i.state = 'waiting';
      await update(batch);
      changed();
      if (!res) out.offline = true;
      else out.authLost = res.status === 401 || res.status === 403 || res.type === 'opaqueredirect';
      return out;
    }
    const byId = new Map(batch.map((i) => [i.clientId, i]));
    for (const r of data.results) {
      const i = byId.get(r.clientId);
      if (!i) continue;
      i.result = r;
      i.message = r.message;
      if (r.outcome === 'applied' || r.outcome === 'unchanged') {
        i.state = 'saved';
        i.savedAt = Date.now();
      } else if (r.outcome === 'overridden') i.state = 'overridden';
      else {
        i.state = 'refused';
        i.reason = r.reason;
      }
      out.results.push({ ...r, label: i.label, sessionId: i.sessionId });
    }
    await update(batch);
    out.sent += batch.length;
    changed();
  }
  return out;
}

let auto = null;
export function startAutoFlush(opts = {}) {
  if (auto) return auto;
  const go = () => flush(opts).then(opts.onResult ?? (() => {}), () => {});
  window.addEventListener('online', go);
  const timer = setInterval(go, 30_000);
  go();
  auto = {
    stop: () => {
      clearInterval(timer);
      window.removeEventListener('online', go);
    },
  };
  return auto;
}

export async function keepRoster(meta) {
  await run(ROSTERS, 'readwrite', (s) => s.put({ ...meta, sessionId: Number(meta.sessionId) }));
  changed();
}

export function keptRosters() {
  return all(ROSTERS);
}

export async function forgetRoster(sessionId) {
  await run(ROSTERS, 'readwrite', (s) => s.delete(Number(sessionId)));
  changed();
}
