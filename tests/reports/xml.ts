/**
 * A small strict XML well-formedness check for the SVG charts (no XML library is
 * installed): every tag closed in order, attributes quoted and unique, entities known,
 * text free of raw "<" and "&". Returns the element tree so tests can look inside.
 */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

export function parseXml(src: string): XmlNode {
  let i = 0;
  const root: XmlNode = { name: '#root', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  const checkText = (t: string) => {
    if (t.includes('<')) throw new Error(`raw < in text: ${t}`);
    for (const m of t.matchAll(/&([^;\s]*);?/g))
      if (!/^(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+)$/.test(m[1]) || !m[0].endsWith(';'))
        throw new Error(`bad entity ${m[0]}`);
  };
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const text = lt === -1 ? src.slice(i) : src.slice(i, lt);
    checkText(text);
    stack[stack.length - 1].text += text;
    if (lt === -1) break;
    const gt = src.indexOf('>', lt);
    if (gt === -1) throw new Error('unterminated tag');
    const tag = src.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const top = stack.pop();
      if (!top || top.name !== name) throw new Error(`</${name}> closes <${top?.name}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([A-Za-z][\w:-]*)([\s\S]*)$/.exec(body.trim());
    if (!m) throw new Error(`bad tag <${tag}>`);
    const attrs: Record<string, string> = {};
    let rest = m[2].trim();
    while (rest) {
      const a = /^([A-Za-z_:][\w:.-]*)="([^"<]*)"\s*/.exec(rest);
      if (!a) throw new Error(`bad attribute in <${m[1]} ${rest}>`);
      if (a[1] in attrs) throw new Error(`duplicate attribute ${a[1]}`);
      checkText(a[2]);
      attrs[a[1]] = a[2];
      rest = rest.slice(a[0].length);
    }
    const node: XmlNode = { name: m[1], attrs, children: [], text: '' };
    stack[stack.length - 1].children.push(node);
    if (!selfClosing) stack.push(node);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (root.children.length !== 1) throw new Error('expected one root element');
  return root.children[0];
}

export const walk = (n: XmlNode): XmlNode[] => [n, ...n.children.flatMap(walk)];
