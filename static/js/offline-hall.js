// The hall screen (/sessions/:id/hall): asks the server every few seconds who has checked in
// and redraws the count and the names. Without JavaScript the page reloads itself (<noscript> meta refresh).
(() => {
  const hall = document.getElementById('hall');
  if (!hall) return;
  const count = document.getElementById('hall-count');
  const names = document.getElementById('hall-names');
  const updated = document.getElementById('hall-updated');
  const every = Math.max(5, Number(hall.dataset.refresh) || 15) * 1000;

  function draw(data) {
    count.textContent = data.summary;
    document.getElementById('hall-empty')?.remove();
    if (data.names.length === 0) {
      const p = document.createElement('p');
      p.className = 'hall-empty';
      p.id = 'hall-empty';
      p.textContent = hall.dataset.msgEmpty;
      names.before(p);
    }
    names.replaceChildren(
      ...data.names.map((n) => {
        const li = document.createElement('li');
        const name = document.createElement('span');
        name.className = 'hall-name';
        name.textContent = n.name;
        li.append(name);
        if (n.late) {
          const tag = document.createElement('span');
          tag.className = 'tag';
          tag.textContent = hall.dataset.msgLate;
          li.append(' ', tag);
        }
        const time = document.createElement('span');
        time.className = 'hall-time';
        time.dir = 'ltr';
        time.textContent = n.time;
        li.append(' ', time);
        return li;
      }),
    );
    updated.textContent = data.updatedAt;
  }

  async function poll() {
    try {
      const res = await fetch(hall.dataset.src, {
        credentials: 'same-origin',
        headers: { accept: 'application/json' },
      });
      if (res.ok) draw(await res.json());
    } catch {
      /* the connection dropped: the next round tries again */
    }
  }
  setInterval(poll, every);
})();
