/**
 * @module core/oss/xml
 * The small XML subset OSS speaks. Out: documents built from plain nodes, text escaped. In: a
 * strict parser for request bodies (elements and text only; no DOCTYPE, no processing beyond the
 * XML declaration, no entity definitions) that returns errors instead of throwing.
 */

export type XmlChild = XmlNode | string | number | undefined | null | false;
export interface XmlNode {
  name: string;
  children: XmlChild[];
}

export const el = (name: string, ...children: XmlChild[]): XmlNode => ({ name, children });

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

function render(n: XmlNode): string {
  const inner = n.children
    .filter((c) => c !== undefined && c !== null && c !== false)
    .map((c) => (typeof c === 'object' ? render(c as XmlNode) : xmlEscape(String(c))))
    .join('');
  return `<${n.name}>${inner}</${n.name}>`;
}

export function xmlDocument(root: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${render(root)}\n`;
}

/** a parsed element: its text (concatenated, entities decoded) and child elements in order */
export interface XmlElement {
  name: string;
  text: string;
  children: XmlElement[];
}

export type XmlParse = { ok: true; root: XmlElement } | { ok: false; reason: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const MAX_DEPTH = 16;

function decodeEntities(s: string): string | undefined {
  let bad = false;
  const out = s.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-z]{2,4});|&/g, (m, e: string | undefined) => {
    if (e === undefined) return (bad = true), m;
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (e[0] !== '#') return named[e] ?? ((bad = true), m);
    const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    if (cp > 0x10ffff || cp === 0) return (bad = true), m;
    return String.fromCodePoint(cp);
  });
  return bad ? undefined : out;
}

export function parseXml(text: string): XmlParse {
  let s = text.replace(/^\uFEFF/, '');
  s = s.replace(/^\s*<\?xml[^?]*\?>/, '');
  if (/<!|<\?/.test(s)) return { ok: false, reason: 'DOCTYPE, comments, CDATA and processing instructions are not accepted' };
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const re = /<(\/?)([^\s/>]+)\s*(\/?)>|([^<]+)/g;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = re.exec(s))) {
    if (m.index !== pos) return { ok: false, reason: `unexpected '<' at ${pos}` };
    pos = re.lastIndex;
    const [, close, name, selfClose, txt] = m;
    if (txt !== undefined) {
      const top = stack.at(-1);
      if (!top) {
        if (txt.trim() !== '') return { ok: false, reason: 'text outside the root element' };
        continue;
      }
      const d = decodeEntities(txt);
      if (d === undefined) return { ok: false, reason: `bad character reference in <${top.name}>` };
      top.text += d;
      continue;
    }
    if (!NAME.test(name!)) return { ok: false, reason: `bad element name '${name!.slice(0, 40)}' (attributes are not accepted)` };
    if (close) {
      const top = stack.pop();
      if (!top || top.name !== name) return { ok: false, reason: `</${name}> does not close ${top ? `<${top.name}>` : 'anything'}` };
      continue;
    }
    if (root && stack.length === 0) return { ok: false, reason: 'more than one root element' };
    const e: XmlElement = { name: name!, text: '', children: [] };
    if (stack.length) stack.at(-1)!.children.push(e);
    else root = e;
    if (!selfClose) stack.push(e);
    if (stack.length > MAX_DEPTH) return { ok: false, reason: 'elements nested too deep' };
  }
  if (pos !== s.length) return { ok: false, reason: `unexpected '<' at ${pos}` };
  if (stack.length) return { ok: false, reason: `<${stack.at(-1)!.name}> is not closed` };
  if (!root) return { ok: false, reason: 'empty document' };
  return { ok: true, root };
}

/** the only child called `name`: undefined when absent, 'many' when repeated */
export function child(e: XmlElement, name: string): XmlElement | undefined | 'many' {
  const found = e.children.filter((c) => c.name === name);
  return found.length > 1 ? 'many' : found[0];
}
