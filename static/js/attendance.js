// The roster saves without reloading (one request, JSON answer), keeps unsaved marks on this
// device across reloads, and adds walk-ins found by the search. Without JavaScript the same
// forms post and redirect.
(() => {
  const form = document.getElementById('roster-form');
  if (!(form instanceof HTMLFormElement)) return;
  const status = document.getElementById('save-status');
  const list = document.getElementById('roster-list');
  const draftKey = `taahil-attendance-${form.dataset.session}`;
  const csrf = form.querySelector('input[name="_csrf"]')?.value ?? '';
  const say = (text, kind) => {
    if (!status) return;
    status.textContent = text;
    status.className = `save-status ${kind ?? ''}`;
  };

  const rows = () => Array.from(form.querySelectorAll('li.roster-row'));
  const recount = () => {
    const counts = { present: 0, late: 0, excused: 0, absent: 0, unmarked: 0 };
    for (const li of rows()) {
      if (li.dataset.candidate && !li.querySelector('input[type="radio"]:checked')) continue;
      const checked = li.querySelector('input[type="radio"]:checked');
      counts[checked ? checked.value : 'unmarked']++;
    }
    for (const [k, v] of Object.entries(counts)) {
      const el = document.querySelector(`[data-count="${k}"]`);
      if (el) el.textContent = String(v);
    }
  };

  const snapshot = () => {
    const out = {};
    for (const el of form.querySelectorAll('input[type="radio"]:checked, input[name^="n_"], textarea')) {
      if (el.name) out[el.name] = el.value;
    }
    return out;
  };
  const saveDraft = () => {
    try {
      localStorage.setItem(draftKey, JSON.stringify(snapshot()));
    } catch {
      /* storage full or disabled: nothing to keep */
    }
  };
  const clearDraft = () => {
    try {
      localStorage.removeItem(draftKey);
    } catch {
      /* ignore */
    }
  };

  // marks typed on this device but never saved (a dropped connection, a closed tab) come back
  try {
    const draft = JSON.parse(localStorage.getItem(draftKey) ?? 'null');
    if (draft && typeof draft === 'object') {
      let restored = false;
      for (const [name, value] of Object.entries(draft)) {
        const radio = form.querySelector(
          `input[type="radio"][name="${CSS.escape(name)}"][value="${CSS.escape(String(value))}"]`,
        );
        if (radio && !radio.checked && !radio.disabled) {
          radio.checked = true;
          restored = true;
          continue;
        }
        const field = form.querySelector(
          `input[name="${CSS.escape(name)}"]:not([type="radio"]), textarea[name="${CSS.escape(name)}"]`,
        );
        if (field && field.value !== value && !field.disabled) {
          field.value = String(value);
          restored = true;
        }
      }
      if (restored) say(form.dataset.msgRestored, 'warn');
      else clearDraft();
    }
  } catch {
    clearDraft();
  }
  recount();

  form.addEventListener('change', () => {
    saveDraft();
    recount();
    say(form.dataset.msgUnsaved, 'warn');
  });

  const clearErrors = () => {
    for (const li of rows()) {
      li.classList.remove('has-error');
      li.querySelector('p.error.js-error')?.remove();
    }
    form.querySelector('.form-error')?.remove();
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const submitter = e.submitter;
    if (submitter && submitter.name === 'allPresent') {
      for (const li of rows()) {
        if (li.dataset.candidate) continue;
        if (li.querySelector('input[type="radio"]:checked')) continue;
        const present = li.querySelector('input[type="radio"][value="present"]');
        if (present) present.checked = true;
      }
      recount();
      saveDraft();
    }
    const body = new URLSearchParams();
    for (const [k, v] of new FormData(form, submitter ?? undefined)) body.append(k, String(v));
    const buttons = form.querySelectorAll('button');
    buttons.forEach((b) => {
      b.disabled = true;
    });
    say(form.dataset.msgSaving);
    try {
      const res = await fetch(form.action, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'x-csrf-token': csrf,
        },
        body,
      });
      let data = null;
      try {
        data = await res.json();
      } catch {
        data = null;
      }
      clearErrors();
      if (res.ok && data?.ok) {
        clearDraft();
        for (const li of rows()) if (li.querySelector('input[type="radio"]:checked')) delete li.dataset.candidate;
        say(data.message, 'ok');
      } else {
        const message = data?.error ?? form.dataset.msgFailed;
        say(`${message} ${form.dataset.msgFailed}`, 'bad');
        for (const [field, text] of Object.entries(data?.errors ?? {})) {
          const m = /^[sn]_(\d+)$/.exec(field);
          const li = m && form.querySelector(`li.roster-row[data-member="${m[1]}"]`);
          if (!li) continue;
          li.classList.add('has-error');
          const p = document.createElement('p');
          p.className = 'error js-error';
          p.textContent = String(text);
          li.querySelector('fieldset > div')?.after(p);
        }
        if (data?.errors?.reason) document.getElementById('f-reason')?.setAttribute('aria-invalid', 'true');
      }
    } catch {
      say(form.dataset.msgOffline, 'bad');
    } finally {
      buttons.forEach((b) => {
        b.disabled = false;
      });
    }
  });

  // walk-in search: fetch the same page with ?q= and add the rows it found
  const search = document.getElementById('walkin-search');
  if (search instanceof HTMLFormElement && list) {
    search.addEventListener('submit', async (e) => {
      e.preventDefault();
      const q = new FormData(search).get('q');
      const url = `${search.action}?${new URLSearchParams({ q: String(q ?? '') })}`;
      try {
        const res = await fetch(url, { credentials: 'same-origin', headers: { accept: 'text/html' } });
        const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
        const found = Array.from(doc.querySelectorAll('#roster-list li[data-candidate]'));
        let added = 0;
        for (const li of found) {
          if (form.querySelector(`li.roster-row[data-member="${li.dataset.member}"]`)) continue;
          list.prepend(document.importNode(li, true));
          added++;
        }
        say(added ? '' : form.dataset.msgNocandidates, added ? '' : 'warn');
      } catch {
        say(form.dataset.msgOffline, 'bad');
      }
    });
  }
})();
