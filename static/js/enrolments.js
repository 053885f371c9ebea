// Enrolment pages: a "select all" switch over the checkbox column of the queue and the
// nomination list. The pages work without it.
(() => {
  for (const form of document.querySelectorAll('form.queue-form, form.nominate-form')) {
    const boxes = [...form.querySelectorAll('input[type=checkbox][name=ids], input[type=checkbox][name=memberIds]')];
    const head = form.querySelector('thead th');
    if (!boxes.length || !head) continue;
    const all = document.createElement('input');
    all.type = 'checkbox';
    all.setAttribute('aria-label', form.dataset.selectAll ?? '');
    all.addEventListener('change', () => {
      for (const b of boxes) b.checked = all.checked;
    });
    head.append(' ', all);
  }
})();
