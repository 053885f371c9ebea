// Member cards on the client: the scan page reads QR codes with the phone's camera (jsQR,
// served from /assets/jsQR.js) one after another and sends each decoded text to the server,
// which decides everything (POST /sessions/:id/scan, the same path the typed-in form uses).
// Every mark leaves through ONE function, TaahilCards.sendMark(url, code, csrf); when the phone has
// no connection a card's mark goes into the offline roster queue (offline-queue.js, the same
// queue and idempotent sync as the offline rosters) and is sent by itself later. Without
// JavaScript the typed-in form posts and the page shows the result.
(() => {
  /**
   * Sends one scanned or typed code to a session's scan endpoint.
   * Resolves to the server's answer { ok, outcome, message, name, unit, status } or, when the
   * request could not be sent at all, { ok: false, outcome: 'network' }.
   */
  async function sendMark(url, code, csrf) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
          'x-csrf-token': csrf,
        },
        body: new URLSearchParams({ code, _csrf: csrf }).toString(),
        credentials: 'same-origin',
      });
      const data = await res.json().catch(() => null);
      if (data && typeof data === 'object') return data;
      return { ok: false, outcome: 'server', message: `HTTP ${res.status}` };
    } catch {
      return { ok: false, outcome: 'network' };
    }
  }

  /** Decodes a QR code from RGBA pixels exactly as the tests do (jsQR, no inversion). */
  function decodePixels(data, width, height) {
    if (typeof window.jsQR !== 'function') return null;
    const found = window.jsQR(data, width, height, { inversionAttempts: 'dontInvert' });
    return found ? found.data : null;
  }

  window.TaahilCards = { sendMark, decodePixels };

  // printing buttons (card pages)
  for (const el of document.querySelectorAll('[data-print]'))
    el.addEventListener('click', (e) => {
      e.preventDefault();
      window.print();
    });

  const camera = document.getElementById('scan-camera');
  const form = document.getElementById('scan-form');
  if (!camera || !(form instanceof HTMLFormElement)) return;
  const url = camera.dataset.url;
  const csrf = camera.dataset.csrf ?? '';
  const resultBox = document.getElementById('scan-result');
  const log = document.getElementById('scan-log');
  const video = document.getElementById('scan-video');
  const toggle = document.getElementById('scan-toggle');
  const field = form.querySelector('input[name="code"]');

  // ---- sounds: a high beep when marked, two mid beeps when already marked, a low buzz when refused
  let audio = null;
  const tone = (freq, start, length, type) => {
    if (!audio) return;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = type;
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.2, audio.currentTime + start);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + length);
    osc.connect(gain).connect(audio.destination);
    osc.start(audio.currentTime + start);
    osc.stop(audio.currentTime + start + length);
  };
  const beep = (kind) => {
    if (kind === 'ok') tone(1046, 0, 0.15, 'sine');
    else if (kind === 'already') {
      tone(660, 0, 0.1, 'sine');
      tone(660, 0.15, 0.1, 'sine');
    } else tone(180, 0, 0.45, 'square');
  };
  const unlockAudio = () => {
    if (audio) return;
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (Ctx) audio = new Ctx();
  };

  // ---- showing a result
  const show = (r) => {
    const kind = r.ok ? (r.outcome === 'already' || r.outcome === 'queued' ? 'already' : 'ok') : 'refused';
    const message = r.outcome === 'network' && !r.message ? camera.dataset.msgOffline : r.message;
    resultBox.className = `scan-result ${kind}`;
    resultBox.replaceChildren();
    if (r.name) {
      const p = document.createElement('p');
      p.className = 'scan-name';
      p.textContent = r.name;
      if (r.unit) {
        const u = document.createElement('span');
        u.className = 'scan-unit';
        u.textContent = ` ${r.unit}`;
        p.append(u);
      }
      resultBox.append(p);
    }
    const m = document.createElement('p');
    m.className = 'scan-message';
    m.textContent = message ?? '';
    resultBox.append(m);
    const li = document.createElement('li');
    li.className = kind;
    const time = new Date().toLocaleTimeString(document.documentElement.lang, { hour: '2-digit', minute: '2-digit' });
    li.textContent = `${time} · ${r.name ? `${r.name} · ` : ''}${message ?? ''}`;
    log.prepend(li);
    beep(kind);
  };

  // ---- no connection: a card's mark waits in the offline queue (loaded now, while online)
  const sessionId = Number(camera.dataset.session);
  const userId = Number(camera.dataset.user) || null;
  const lateAt = Number(camera.dataset.lateAt);
  const queue = import('/static/js/offline-queue.js').catch(() => null);
  /** the card token in a scanned text (its address or the bare token); sheet cells are not queued */
  const tokenOf = (code) => {
    const m = /(?:^|\/c\/)([A-Za-z0-9_-]{32})\/?(?:[?#].*)?$/.exec(code.trim());
    return m ? m[1] : null;
  };
  const keep = async (code) => {
    const token = tokenOf(code);
    const q = await queue;
    if (!token || !q) return { ok: false, outcome: 'network', message: camera.dataset.msgSheetOffline };
    const at = Date.now();
    await q.enqueue({
      sessionId,
      cardToken: token,
      // the server's rule (late after the activity's minutes), with the time of the scan
      status: at > lateAt ? 'late' : 'present',
      at,
      userId,
      label: { member: camera.dataset.msgCard.replace('{end}', token.slice(-4)), session: camera.dataset.title },
    });
    autoFlush(q);
    return { ok: true, outcome: 'queued', message: camera.dataset.msgQueued };
  };
  let flushing = false;
  const autoFlush = (q) => {
    if (flushing) return;
    flushing = true;
    q.startAutoFlush({
      userId,
      onResult: (r) => {
        for (const res of r.results ?? []) {
          if (res.sessionId !== sessionId) continue;
          const refused = res.outcome === 'refused';
          const li = document.createElement('li');
          li.className = refused ? 'refused' : 'ok';
          li.textContent = `${res.label?.member ?? ''} · ${refused ? camera.dataset.msgSentRefused : camera.dataset.msgSent}`;
          log.prepend(li);
        }
      },
    });
  };
  // marks kept earlier on this phone are sent as soon as this page is open and online
  queue.then((q) => q && autoFlush(q));

  let busy = false;
  const submit = async (code) => {
    if (busy || !code) return;
    busy = true;
    try {
      const r = await sendMark(url, code, csrf);
      show(r.outcome === 'network' ? await keep(code) : r);
    } finally {
      busy = false;
    }
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    unlockAudio();
    const code = field.value.trim();
    if (!code) return;
    await submit(code);
    field.value = '';
    field.focus();
  });

  // ---- the camera
  if (!navigator.mediaDevices?.getUserMedia) {
    camera.hidden = false;
    toggle.disabled = true;
    camera.querySelector('.muted').textContent = camera.dataset.msgNoCamera;
    return;
  }
  camera.hidden = false;
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  let stream = null;
  let timer = 0;
  let last = { code: '', at: 0 };

  const loadDecoder = () =>
    new Promise((resolve, reject) => {
      if (typeof window.jsQR === 'function') return resolve();
      const s = document.createElement('script');
      s.src = '/assets/jsQR.js';
      s.onload = () => resolve();
      s.onerror = reject;
      document.head.append(s);
    });

  const tick = async () => {
    if (!stream) return;
    if (video.readyState >= 2 && !busy) {
      const w = video.videoWidth;
      const h = video.videoHeight;
      const scale = Math.min(1, 640 / Math.max(w, h));
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const code = decodePixels(img.data, img.width, img.height);
      const now = Date.now();
      // the same card held in view is sent once; the server also refuses a double mark
      if (code && !(code === last.code && now - last.at < 4000)) {
        last = { code, at: now };
        await submit(code);
      } else if (code) last.at = now;
    }
    timer = window.setTimeout(tick, 180);
  };

  const stop = () => {
    for (const t of stream?.getTracks() ?? []) t.stop();
    stream = null;
    window.clearTimeout(timer);
    video.srcObject = null;
    toggle.textContent = camera.dataset.msgStart;
  };

  toggle.addEventListener('click', async () => {
    unlockAudio();
    if (stream) return stop();
    try {
      await loadDecoder();
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
      video.srcObject = stream;
      await video.play();
      toggle.textContent = camera.dataset.msgStop;
      tick();
    } catch {
      stop();
      camera.querySelector('.muted').textContent = camera.dataset.msgNoCamera;
    }
  });
  document.addEventListener('visibilitychange', () => {
    if (document.hidden && stream) stop();
  });
})();
