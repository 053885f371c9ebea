/** Reads an HTML form the way a browser submits it (for the benchmark's POSTs). */

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
const attr = (attrs: string, name: string) =>
  new RegExp(`\\b${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i')
    .exec(attrs)
    ?.slice(2)
    .find((v) => v !== undefined);
const hasAttr = (attrs: string, name: string) => new RegExp(`\\b${name}\\b`, 'i').test(attrs);

/**
 * The fields a browser would submit for the POST form whose action is `action` (as a trainer
 * would: radios keep their checked value; an unmarked group takes its first choice, "present";
 * the form is sent with its first submit button, as Enter in a field sends it).
 */
export function formBody(html: string, pagePath: string, action: string): URLSearchParams | null {
  for (const [, attrs, inner] of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    if ((attr(attrs, 'method') ?? 'get').toLowerCase() !== 'post') continue;
    const act = decode(attr(attrs, 'action') ?? pagePath)
      .split('?')[0]
      .split('#')[0];
    if (act !== action) continue;
    const body = new URLSearchParams();
    const radios = new Map<string, { first: string; checked?: string }>();
    let submitted = false;
    for (const m of inner.matchAll(
      /<(input|select|button)\b([^>]*)>([\s\S]*?<\/select>)?|<textarea\b([^>]*)>([\s\S]*?)<\/textarea>/gi,
    )) {
      const tag = (m[1] ?? 'textarea').toLowerCase();
      const a = m[2] ?? m[4] ?? '';
      const name = attr(a, 'name');
      if (hasAttr(a, 'disabled')) continue;
      // the first submit button is the one pressed, even one without a name (which sends nothing)
      const isSubmit =
        (tag === 'button' && (attr(a, 'type') ?? 'submit') === 'submit') ||
        (tag === 'input' && (attr(a, 'type') ?? '').toLowerCase() === 'submit');
      if (isSubmit) {
        if (!submitted && name) body.append(name, decode(attr(a, 'value') ?? ''));
        submitted = true;
        continue;
      }
      if (!name) continue;
      const value = decode(attr(a, 'value') ?? '');
      if (tag === 'textarea') body.append(name, decode(m[5] ?? ''));
      else if (tag === 'select') {
        const options = [...(m[3] ?? '').matchAll(/<option\b([^>]*)>([^<]*)/gi)];
        const chosen = options.find((o) => hasAttr(o[1], 'selected')) ?? options[0];
        if (chosen) body.append(name, decode(attr(chosen[1], 'value') ?? chosen[2].trim()));
      } else if (tag === 'input') {
        const type = (attr(a, 'type') ?? 'text').toLowerCase();
        if (type === 'radio') {
          const g = radios.get(name) ?? { first: value || 'on' };
          if (hasAttr(a, 'checked')) g.checked = value || 'on';
          radios.set(name, g);
        } else if (type === 'checkbox') {
          if (hasAttr(a, 'checked')) body.append(name, value || 'on');
        } else if (type !== 'file' && type !== 'reset' && type !== 'image' && type !== 'button')
          body.append(name, value);
      }
    }
    for (const [name, g] of radios) body.append(name, g.checked ?? g.first);
    return body;
  }
  return null;
}
