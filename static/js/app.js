// Small enhancements on top of pages that work without JavaScript.
(() => {
  // confirm before destructive actions: <form data-confirm="text">
  document.addEventListener('submit', (e) => {
    const form = e.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm))
      e.preventDefault();
  });
  // close the menu when clicking elsewhere
  document.addEventListener('click', (e) => {
    document.querySelectorAll('details.menu[open]').forEach((d) => {
      if (!d.contains(e.target)) d.removeAttribute('open');
    });
  });
  // print buttons: <button data-print>
  document.querySelectorAll('[data-print]').forEach((b) => {
    b.addEventListener('click', () => window.print());
  });
})();
