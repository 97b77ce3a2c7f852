// A parser for the DOT that src/diagram/dot.ts emits (Graphviz is not installed): tokens, balanced
// braces, node and edge statements, attribute lists. Returns each digraph's nodes, edges and clusters.

export interface DotGraph {
  name: string;
  attributes: Record<string, string>;
  /** Node id → its attributes and the cluster subgraphs enclosing it, innermost last. */
  nodes: Map<string, { attributes: Record<string, string>; clusters: string[] }>;
  edges: Array<{ from: string; to: string; attributes: Record<string, string> }>;
  clusters: Set<string>;
}

type Token = { kind: 'id' | 'string' | 'punct'; value: string };

export function tokenizeDot(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('dot: unterminated string');
        const d = text[i]!;
        if (d === '\\') {
          const next = text[i + 1];
          // Graphviz escapes: \" and \\ are characters; \n \l \r are label line breaks, kept as written.
          value += next === '"' || next === '\\' ? next : `\\${next ?? ''}`;
          i += 2;
        } else if (d === '"') {
          i++;
          break;
        } else if (d === '\n') {
          throw new Error('dot: raw newline inside a string');
        } else {
          value += d;
          i++;
        }
      }
      tokens.push({ kind: 'string', value });
    } else if (text.startsWith('->', i)) {
      tokens.push({ kind: 'punct', value: '->' });
      i += 2;
    } else if ('{}[];=,'.includes(c)) {
      tokens.push({ kind: 'punct', value: c });
      i++;
    } else {
      const m = /^[A-Za-z0-9_.]+/.exec(text.slice(i));
      if (!m) throw new Error(`dot: unexpected ${JSON.stringify(c)} at ${i}`);
      tokens.push({ kind: 'id', value: m[0] });
      i += m[0].length;
    }
  }
  return tokens;
}

export function parseDot(text: string): DotGraph[] {
  const tokens = tokenizeDot(text);
  let p = 0;
  const peek = (offset = 0) => tokens[p + offset];
  const take = (value?: string): Token => {
    const t = tokens[p++];
    if (!t) throw new Error(`dot: unexpected end, expected ${value ?? 'a token'}`);
    if (value !== undefined && t.value !== value) throw new Error(`dot: expected "${value}", got "${t.value}" (token ${p - 1})`);
    return t;
  };
  const name = (): string => {
    const t = take();
    if (t.kind === 'punct') throw new Error(`dot: expected an id, got "${t.value}"`);
    return t.value;
  };
  const attributeList = (): Record<string, string> => {
    const attrs: Record<string, string> = {};
    take('[');
    while (peek()?.value !== ']') {
      const key = name();
      take('=');
      attrs[key] = name();
      if (peek()?.value === ',') take(',');
    }
    take(']');
    return attrs;
  };

  const graphs: DotGraph[] = [];
  while (p < tokens.length) {
    take('digraph');
    const graph: DotGraph = { name: name(), attributes: {}, nodes: new Map(), edges: [], clusters: new Set() };
    const body = (clusters: string[]) => {
      take('{');
      while (peek()?.value !== '}') {
        const t = peek();
        if (!t) throw new Error('dot: unbalanced {');
        if (t.kind === 'id' && ['graph', 'node', 'edge'].includes(t.value) && peek(1)?.value === '[') {
          take();
          const attrs = attributeList();
          if (t.value === 'graph' && clusters.length === 0) Object.assign(graph.attributes, attrs);
        } else if (t.kind === 'id' && t.value === 'subgraph') {
          take();
          const sub = name();
          if (graph.clusters.has(sub)) throw new Error(`dot: subgraph "${sub}" twice`);
          graph.clusters.add(sub);
          body([...clusters, sub]);
          // A subgraph is a statement too, but one that needs no `;`.
          if (peek()?.value === ';') take(';');
          continue;
        } else {
          const from = name();
          if (peek()?.value === '->') {
            take('->');
            const to = name();
            graph.edges.push({ from, to, attributes: peek()?.value === '[' ? attributeList() : {} });
          } else {
            if (graph.nodes.has(from)) throw new Error(`dot: node "${from}" declared twice`);
            graph.nodes.set(from, { attributes: peek()?.value === '[' ? attributeList() : {}, clusters });
          }
        }
        take(';');
      }
      take('}');
    };
    body([]);
    graphs.push(graph);
  }
  return graphs;
}

/** Problems Graphviz would draw wrongly or warn about; empty when the graph is sound. */
export function dotProblems(graph: DotGraph): string[] {
  const problems: string[] = [];
  for (const e of graph.edges) {
    for (const end of [e.from, e.to]) if (!graph.nodes.has(end)) problems.push(`edge ${e.from} -> ${e.to}: "${end}" is not declared`);
    const head = e.attributes.lhead;
    if (head !== undefined && !graph.nodes.get(e.to)?.clusters.includes(head)) problems.push(`edge ${e.from} -> ${e.to}: lhead "${head}" does not hold its head`);
    const tail = e.attributes.ltail;
    if (tail !== undefined && !graph.nodes.get(e.from)?.clusters.includes(tail)) problems.push(`edge ${e.from} -> ${e.to}: ltail "${tail}" does not hold its tail`);
  }
  return problems;
}
