// A strict, minimal XML parser for well-formedness checks (Node has no DOMParser): one root element,
// matched tags, quoted and unique attributes, no raw `<` or stray `&`, only known entity references.
// No DTDs, no CDATA, no processing instructions other than the XML declaration: the SVG uses none.

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Decoded text directly inside this element. */
  text: string;
  parent: XmlElement | null;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
// Characters XML 1.0 allows.
const XML_CHAR = /^[\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

export function parseXml(source: string): XmlElement {
  if (!XML_CHAR.test(source)) throw new Error('xml: a character XML does not allow');
  let i = 0;
  const fail = (reason: string): never => {
    const line = source.slice(0, i).split('\n').length;
    throw new Error(`xml line ${line}: ${reason}`);
  };
  const decode = (raw: string): string =>
    raw.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
      if (!whole.endsWith(';')) fail(`stray "&" in ${JSON.stringify(raw.slice(0, 40))}`);
      if (ref in ENTITIES) return ENTITIES[ref]!;
      const num = /^#(\d+)$/.exec(ref) ?? /^#x([0-9A-Fa-f]+)$/.exec(ref);
      if (num) return String.fromCodePoint(parseInt(num[1]!, ref.startsWith('#x') ? 16 : 10));
      return fail(`unknown entity "&${ref};"`);
    });

  if (source.startsWith('<?xml')) {
    const end = source.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    i = end + 2;
  }
  let root: XmlElement | null = null;
  let current: XmlElement | null = null;
  while (i < source.length) {
    if (source.startsWith('<!--', i)) {
      const end = source.indexOf('-->', i + 4);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
    } else if (source.startsWith('</', i)) {
      i += 2;
      const name = NAME.exec(source.slice(i))?.[0] ?? fail('bad closing tag');
      i += name.length;
      while (/\s/.test(source[i] ?? '')) i++;
      if (source[i] !== '>') fail(`bad closing tag </${name}`);
      i++;
      if (!current || current.name !== name) fail(`</${name}> closes <${current?.name ?? 'nothing'}>`);
      current = current!.parent;
    } else if (source[i] === '<') {
      if (source.startsWith('<!', i) || source.startsWith('<?', i)) fail('DTDs, CDATA and processing instructions are not expected');
      i++;
      const name = NAME.exec(source.slice(i))?.[0] ?? fail('bad tag name');
      i += name.length;
      const element: XmlElement = { name, attributes: {}, children: [], text: '', parent: current };
      for (;;) {
        const before = i;
        while (/\s/.test(source[i] ?? '')) i++;
        if (source.startsWith('/>', i) || source[i] === '>') break;
        if (i === before) fail(`attributes of <${name}> must be separated by space`);
        const attr = NAME.exec(source.slice(i))?.[0] ?? fail(`bad attribute in <${name}>`);
        i += attr.length;
        if (source[i] !== '=') fail(`attribute ${attr} without a value`);
        const quote = source[i + 1];
        if (quote !== '"' && quote !== "'") fail(`unquoted attribute ${attr}`);
        const end = source.indexOf(quote!, i + 2);
        if (end < 0) fail(`unterminated attribute ${attr}`);
        const raw = source.slice(i + 2, end);
        if (raw.includes('<')) fail(`raw "<" in attribute ${attr}`);
        if (attr in element.attributes) fail(`duplicate attribute ${attr} on <${name}>`);
        element.attributes[attr] = decode(raw);
        i = end + 1;
      }
      if (current) current.children.push(element);
      else if (root) fail('more than one root element');
      else root = element;
      if (source.startsWith('/>', i)) {
        i += 2;
      } else {
        i++;
        current = element;
      }
    } else {
      const end = source.indexOf('<', i);
      const raw = source.slice(i, end < 0 ? source.length : end);
      if (current) current.text += decode(raw);
      else if (raw.trim() !== '') fail('text outside the root element');
      if (raw.includes(']]>')) fail('"]]>" in text');
      i = end < 0 ? source.length : end;
    }
  }
  if (current) fail(`<${current.name}> is never closed`);
  if (!root) return fail('no root element');
  return root;
}

/** Every element below (and including) `root`, depth first. */
export function allElements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(allElements)];
}

export function classesOf(element: XmlElement): string[] {
  return (element.attributes.class ?? '').split(/\s+/).filter(Boolean);
}
