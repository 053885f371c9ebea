// Offline rosters (server/offline): registers the service worker, keeps the trainer's rosters on
// the phone (/offline), and lets a field roster (/offline/sessions/:id) be marked with no
// connection: each tap goes into the queue (offline-queue.js) and is sent when the connection
// allows; every row says whether its mark is saved on the server, waiting, refused or replaced.
// Without JavaScript the roster is an ordinary form that saves through the attendance roster.
(() => {
  const PAGES = 'taahil-offline-pages';
  const ASSETS = 'taahil-offline-assets';
  const app = document.getElementById('offline-app');
  const form = document.getElementById('field-form');
  const root = app ?? form;
  if (!root) return;
  const msg = (name, params = {}) =>
    String(root.dataset[name] ?? '').replace(/\{(\w+)\}/g, (m, k) => (params[k] === undefined ? m : String(params[k])));
  const statusName = (st) => msg(`msgStatus${st.charAt(0).toUpperCase()}${st.slice(1)}`) || st;
  const fmt = new Intl.DateTimeFormat(document.documentElement.lang === 'ar' ? 'ar-SY-u-nu-latn' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'short',
  });
  const userId = Number(root.dataset.user) || null;
  const supported = 'serviceWorker' in navigator && 'caches' in window && 'indexedDB' in window;

  const netState = document.getElementById('net-state');
  const showNet = () => {
    if (!netState) return;
    netState.textContent = navigator.onLine ? msg('msgOnline') : msg('msgOffline');
    netState.className = `net-state ${navigator.onLine ? 'ok' : 'warn'}`;
  };
  window.addEventListener('online', showNet);
  window.addEventListener('offline', showNet);
  showNet();

  const queueUrl = '/static/js/offline-queue.js';
  if (supported) navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});

  /** the stylesheet, scripts and icons of this page, so the kept pages look and work the same offline */
  async function keepAssets() {
    const urls = new Set();
    for (const el of document.querySelectorAll(
      'link[rel="stylesheet"], link[rel="icon"], link[rel="manifest"], script[src], img[src]',
    )) {
      const u = el.getAttribute('href') ?? el.getAttribute('src');
      if (u?.startsWith('/')) urls.add(u);
    }
    urls.add(queueUrl);
    const cache = await caches.open(ASSETS);
    await Promise.all(
      [...urls].map(async (u) => {
        if (await cache.match(u)) return;
        try {
          const res = await fetch(u, { credentials: 'same-origin' });
          if (res.ok) await cache.put(u, res);
        } catch {
          /* offline: kept next time */
        }
      }),
    );
  }
  async function keepPage(url) {
    const res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'text/html' } });
    if (!res.ok || res.redirected || !(res.headers.get('content-type') ?? '').includes('text/html'))
      throw new Error(`not kept: ${res.status}`);
    const cache = await caches.open(PAGES);
    await cache.put(url, res);
  }

  import(queueUrl).then((q) => (app ? rostersPage(q) : fieldRoster(q)));

  // ------------------------------------------------------------------ /offline

  function rostersPage(q) {
    const keepButton = document.getElementById('keep-now');
    const syncButton = document.getElementById('sync-now');
    const queueView = document.getElementById('queue-view');
    if (!supported) {
      netState.textContent = msg('msgNoSupport');
      return;
    }

    async function showKept() {
      // only what the phone still has (signing out deletes the kept pages)
      const cache = await caches.open(PAGES);
      const rosters = await q.keptRosters();
      const present = await Promise.all(rosters.map((r) => cache.match(r.url).then(Boolean)));
      const kept = new Map(rosters.filter((_, i) => present[i]).map((r) => [r.sessionId, r]));
      const listed = new Set();
      for (const el of document.querySelectorAll('[data-kept-for]')) {
        const id = Number(el.dataset.keptFor);
        listed.add(id);
        const r = kept.get(id);
        el.textContent = r ? msg('msgKept', { date: fmt.format(new Date(r.fetchedAt)) }) : msg('msgNotKept');
        el.className = `small kept-state ${r ? 'ok' : 'muted'}`;
      }
      const others = [...kept.values()].filter((r) => !listed.has(r.sessionId));
      const list = document.getElementById('kept-list');
      document.getElementById('kept-section').hidden = others.length === 0;
      list.replaceChildren(
        ...others.map((r) => {
          const li = document.createElement('li');
          li.className = 'card keep-item';
          const a = document.createElement('a');
          a.href = r.url;
          a.className = 'keep-title';
          a.textContent = r.title;
          const when = document.createElement('span');
          when.className = 'small';
          when.textContent = fmt.format(new Date(r.startsAt));
          const state = document.createElement('span');
          state.className = 'small kept-state ok';
          state.textContent = msg('msgKept', { date: fmt.format(new Date(r.fetchedAt)) });
          li.append(a, when, state);
          return li;
        }),
      );
    }

    async function keepAll() {
      if (!navigator.onLine) return;
      netState.textContent = msg('msgKeeping');
      await keepAssets();
      try {
        await keepPage('/offline');
      } catch {
        /* the list itself is kept by the service worker next time */
      }
      let n = 0;
      for (const li of document.querySelectorAll('[data-keep-url]')) {
        try {
          await keepPage(li.dataset.keepUrl);
          await q.keepRoster({
            sessionId: Number(li.dataset.session),
            url: li.dataset.keepUrl,
            title: li.dataset.title,
            startsAt: Date.parse(li.dataset.starts),
            fetchedAt: Date.now(),
          });
          n++;
        } catch {
          const el = li.querySelector('[data-kept-for]');
          if (el) el.textContent = msg('msgKeepFailed');
        }
      }
      showNet();
      if (n && netState) netState.textContent = `${netState.textContent} ${msg('msgKeptAll', { count: n })}`;
      await showKept();
    }

    async function showQueue() {
      const items = (await q.list()).filter(
        (i) => i.state !== 'saved' && (!userId || !i.userId || i.userId === userId),
      );
      syncButton.hidden = !items.some((i) => i.state === 'waiting');
      if (items.length === 0) {
        const p = document.createElement('p');
        p.className = 'muted';
        p.textContent = msg('msgEmptyQueue');
        queueView.replaceChildren(p);
        return;
      }
      const ul = document.createElement('ul');
      ul.className = 'queue-list';
      for (const i of items) {
        const li = document.createElement('li');
        li.className = `queue-item q-${i.state}`;
        li.dataset.client = i.clientId;
        const who = document.createElement('strong');
        who.textContent = i.label?.member ?? `#${i.memberId ?? '—'}`;
        const where = document.createElement('span');
        where.className = 'small muted';
        where.textContent = ` ${i.label?.session ?? ''} · ${fmt.format(new Date(i.at))} · ${statusName(i.status)}`;
        const state = document.createElement('span');
        state.className = `tag ${i.state === 'refused' ? 'danger' : i.state === 'overridden' ? 'warn' : ''}`;
        state.textContent = msg(`msgState${i.state.charAt(0).toUpperCase()}${i.state.slice(1)}`);
        li.append(who, where, document.createTextNode(' '), state);
        if (i.message && (i.state === 'refused' || i.state === 'overridden')) {
          const why = document.createElement('p');
          why.className = 'small';
          why.textContent = i.message;
          li.append(why);
          const b = document.createElement('button');
          b.type = 'button';
          b.className = 'link-button';
          b.textContent = msg('msgDismiss');
          b.addEventListener('click', () => q.dismiss(i.clientId));
          li.append(b);
        }
        ul.append(li);
      }
      queueView.replaceChildren(ul);
    }

    keepButton.hidden = false;
    keepButton.addEventListener('click', () => keepAll());
    syncButton.addEventListener('click', () => q.flush({ userId }).then(showQueue, showQueue));
    q.onChange(() => {
      showQueue();
      showKept();
    });
    showKept();
    showQueue();
    keepAll();
    q.startAutoFlush({
      userId,
      onResult: (r) => {
        if (r.authLost) netState.textContent = msg('msgSignin');
      },
    });
  }

  // ------------------------------------------------------------------ /offline/sessions/:id

  function fieldRoster(q) {
    const sessionId = Number(form.dataset.session);
    const renderedAt = Number(form.dataset.renderedAt);
    const opensAt = Number(form.dataset.opensAt);
    const summary = document.getElementById('sync-summary');
    const rows = () => Array.from(form.querySelectorAll('li.field-row'));
    const rowOf = (memberId) => form.querySelector(`li.field-row[data-member="${memberId}"]`);

    // this copy of the roster is what the phone shows offline
    if (supported && navigator.onLine && Date.now() - renderedAt < 60_000) {
      keepAssets()
        .then(() => (navigator.serviceWorker.controller ? null : keepPage(location.pathname)))
        .then(() =>
          q.keepRoster({
            sessionId,
            url: location.pathname,
            title: form.dataset.title,
            startsAt: Date.parse(form.dataset.starts),
            fetchedAt: renderedAt,
          }),
        )
        .catch(() => {});
    }

    const setRadio = (li, status) => {
      for (const r of li.querySelectorAll('input[type="radio"]')) r.checked = r.value === status;
    };
    const setState = (li, state, text) => {
      const p = li.querySelector('.row-state');
      p.dataset.state = state;
      p.textContent = text;
      li.dataset.state = state;
    };
    const serverRow = (li) => {
      const st = li.dataset.serverStatus;
      setRadio(li, st);
      setState(li, st ? 'saved' : 'none', st ? msg('msgStateSaved', { status: statusName(st) }) : msg('msgStateNone'));
    };

    async function render() {
      const items = (await q.list({ sessionId })).filter((i) => i.memberId !== undefined);
      const latest = new Map();
      for (const i of items) latest.set(i.memberId, i);
      for (const li of rows()) if (!latest.has(Number(li.dataset.member))) serverRow(li);
      let waiting = 0;
      let refused = 0;
      const overriddenList = [];
      const refusedList = [];
      for (const [memberId, i] of latest) {
        const li = rowOf(memberId);
        if (i.state === 'saved') {
          // saved after this copy of the page was fetched: the copy is older than the server
          if (li && (i.savedAt ?? 0) > renderedAt) {
            li.dataset.serverStatus = i.status;
          }
          if (li) serverRow(li);
          continue;
        }
        if (i.state === 'waiting' || i.state === 'sending') {
          waiting++;
          if (li) {
            setRadio(li, i.status);
            setState(
              li,
              'waiting',
              msg(i.state === 'waiting' ? 'msgStateWaiting' : 'msgStateSending', { status: statusName(i.status) }),
            );
          }
          continue;
        }
        const params = { status: statusName(i.status), reason: i.message ?? '' };
        if (i.state === 'overridden') {
          if (li && i.result?.server) li.dataset.serverStatus = i.result.server.status;
          if (li) {
            serverRow(li);
            setState(li, 'overridden', msg('msgStateOverridden', params));
          }
          overriddenList.push(i);
        } else {
          refused++;
          if (li) {
            serverRow(li);
            setState(li, 'refused', msg('msgStateRefused', params));
          }
          refusedList.push(i);
        }
      }
      const saved = rows().filter((li) => li.dataset.serverStatus).length;
      summary.textContent = msg('msgSummary', { saved, waiting, refused });
      summary.className = `sync-summary ${waiting || refused ? 'warn' : 'ok'}`;
      fillList('overridden', overriddenList);
      fillList('refused', refusedList);
    }

    function fillList(kind, items) {
      const box = document.getElementById(`${kind}-box`);
      const ul = document.getElementById(`${kind}-list`);
      box.hidden = items.length === 0;
      ul.replaceChildren(
        ...items.map((i) => {
          const li = document.createElement('li');
          li.dataset.client = i.clientId;
          const who = document.createElement('strong');
          who.textContent = i.label?.member ?? `#${i.memberId}`;
          li.append(
            who,
            document.createTextNode(` (${statusName(i.status)}, ${fmt.format(new Date(i.at))}): ${i.message ?? ''} `),
          );
          const b = document.createElement('button');
          b.type = 'button';
          b.className = 'link-button';
          b.textContent = msg('msgDismiss');
          b.addEventListener('click', () => q.dismiss(i.clientId));
          li.append(b);
          return li;
        }),
      );
    }

    const canMark = !!form.dataset.canMark;
    const opensNote = document.getElementById('opens-note');
    const mark = (li, status) =>
      q.enqueue({
        sessionId,
        memberId: Number(li.dataset.member),
        status,
        userId,
        label: { member: li.dataset.name, session: form.dataset.title },
      });
    const notOpen = () => {
      if (Date.now() >= opensAt) return false;
      if (opensNote) opensNote.textContent = msg('msgNotOpen');
      return true;
    };
    form.addEventListener('change', async (e) => {
      const input = e.target;
      if (!(input instanceof HTMLInputElement) || input.type !== 'radio' || !canMark) return;
      const li = input.closest('li.field-row');
      if (notOpen()) {
        serverRow(li);
        return;
      }
      await mark(li, input.value);
      q.flush({ userId }).catch(() => {});
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      // "mark all present": every member with no mark yet, on the server or on this phone
      if (e.submitter?.name === 'allPresent' && canMark && !notOpen()) {
        for (const li of rows())
          if (!li.dataset.serverStatus && li.dataset.state !== 'waiting' && !li.querySelector('input:checked'))
            await mark(li, 'present');
      }
      q.flush({ userId }).catch(() => {});
    });

    q.onChange(() => render());
    render().then(() =>
      q.startAutoFlush({
        userId,
        onResult: (r) => {
          if (r.authLost) summary.textContent = `${summary.textContent} ${msg('msgSignin')}`;
        },
      }),
    );
  }
})();
