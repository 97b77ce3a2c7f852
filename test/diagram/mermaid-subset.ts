// A structural validator for the part of mermaid's stateDiagram-v2 that src/diagram/mermaid.ts emits.
// Mermaid itself needs a browser; this checks the rules its lexer and state database impose on that
// subset (see mermaid's stateDiagram.jison and dataFetcher.ts) and returns what the text declares.

export interface MermaidState {
  id: string;
  label: string;
  /** Enclosing block's id; null at the top level. */
  parent: string | null;
  block: boolean;
  descriptions: string[];
}

export interface MermaidTransition {
  from: string;
  to: string;
  label?: string;
  /** Block the line was written in; null at the top level. */
  scope: string | null;
}

export interface MermaidStructure {
  states: Map<string, MermaidState>;
  transitions: MermaidTransition[];
  classes: Map<string, string[]>;
}

const ID = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEYWORD = /^(default|note|state|class|classdef|scale|hide|acctitle|accdescr|click|style|direction|statediagram|end)$/i;

export class MermaidSubsetError extends Error {
  constructor(line: number, text: string, reason: string) {
    super(`mermaid line ${line + 1}: ${reason}: ${JSON.stringify(text)}`);
    this.name = 'MermaidSubsetError';
  }
}

/** Parses one diagram; throws MermaidSubsetError on the first line outside the subset. */
export function parseMermaidSubset(diagram: string): MermaidStructure {
  const lines = diagram.split('\n');
  const states = new Map<string, MermaidState>();
  const transitions: MermaidTransition[] = [];
  const classes = new Map<string, string[]>();
  const classUses: Array<{ ids: string[]; line: number; text: string }> = [];
  const scopes: string[] = [];
  const scope = () => scopes[scopes.length - 1] ?? null;
  let header = false;

  lines.forEach((raw, i) => {
    const fail = (reason: string): never => {
      throw new MermaidSubsetError(i, raw, reason);
    };
    const line = raw.trim();
    if (line === '') return;
    if (!header) {
      if (line !== 'stateDiagram-v2') fail('a diagram starts with stateDiagram-v2');
      header = true;
      return;
    }
    if (line.startsWith('%%')) {
      if (line.startsWith('%%{')) fail('directives are not part of the subset');
      return;
    }
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^direction (TB|BT|LR|RL)$/))) return;
    if ((m = line.match(/^classDef (\w+) ([\w#:,.\-]+)$/))) {
      classes.set(m[1]!, m[2]!.split(','));
      return;
    }
    if ((m = line.match(/^class ([\w,]+) (\w+)$/))) {
      classUses.push({ ids: m[1]!.split(','), line: i, text: raw });
      if (!classes.has(m[2]!)) fail(`class "${m[2]}" has no classDef`);
      return;
    }
    if ((m = line.match(/^state "([^"]*)" as (\S+)( \{)?$/))) {
      const id = checkId(m[2]!, fail);
      if (states.has(id)) fail(`state "${id}" declared twice (mermaid ids are global)`);
      states.set(id, { id, label: decode(checkText(m[1]!, fail)), parent: scope(), block: m[3] !== undefined, descriptions: [] });
      if (m[3]) scopes.push(id);
      return;
    }
    if (line === '}') {
      if (scopes.length === 0) fail('unbalanced }');
      scopes.pop();
      return;
    }
    if ((m = line.match(/^(\[\*\]|\S+) --> (\[\*\]|\S+)(?: : (.*))?$/))) {
      const [, from, to, label] = m as unknown as [string, string, string, string | undefined];
      if (from === '[*]' && to === '[*]') fail('[*] --> [*]');
      if (from !== '[*]') checkId(from, fail);
      if (to !== '[*]') checkId(to, fail);
      if ((from === '[*]' || to === '[*]') && label !== undefined) fail('start and end arrows carry no label');
      transitions.push({ from, to, ...(label !== undefined ? { label: decode(checkText(label, fail)) } : {}), scope: scope() });
      return;
    }
    if ((m = line.match(/^(\S+) : (.*)$/))) {
      const state = states.get(checkId(m[1]!, fail));
      if (!state) fail(`description for undeclared state "${m[1]}"`);
      if (state!.block) fail('a composite state can have no description (mermaid throws)');
      state!.descriptions.push(decode(checkText(m[2]!, fail)));
      return;
    }
    fail('not in the emitted subset');
  });

  if (!header) throw new MermaidSubsetError(0, '', 'empty diagram');
  if (scopes.length > 0) throw new MermaidSubsetError(lines.length - 1, '', `unclosed block "${scopes.join('.')}"`);
  for (const use of classUses) {
    for (const id of use.ids) if (!states.has(id)) throw new MermaidSubsetError(use.line, use.text, `class on undeclared "${id}"`);
  }
  for (const t of transitions) {
    for (const end of [t.from, t.to]) {
      if (end === '[*]') continue;
      const state = states.get(end);
      if (!state) throw new Error(`mermaid: transition ${t.from} --> ${t.to} names undeclared "${end}"`);
      // A state named inside a block becomes that block's child: both ends must already belong there.
      if (t.scope !== null && state.parent !== t.scope) {
        throw new Error(`mermaid: ${t.from} --> ${t.to} is written inside "${t.scope}" but "${end}" belongs to "${state.parent}"`);
      }
    }
  }
  return { states, transitions, classes };
}

/** Splits text holding several diagrams (separated by blank lines) into one text per diagram. */
export function splitDiagrams(text: string): string[] {
  return text
    .split(/\n(?=stateDiagram-v2\n)/)
    .map((d) => d.trim())
    .filter((d) => d.length > 0);
}

function checkId(id: string, fail: (reason: string) => never): string {
  if (!ID.test(id)) fail(`"${id}" is not a safe mermaid id`);
  if (KEYWORD.test(id) || /^default/i.test(id)) fail(`"${id}" reads as a mermaid keyword`);
  return id;
}

/** Label text: one line; mermaid's delimiters only as `#name;` / `#NN;` entities. */
function checkText(text: string, fail: (reason: string) => never): string {
  const bare = text.replace(/#\w+;/g, '');
  const bad = bare.match(/[:;#"{}<>%\n]/);
  if (bad) fail(`raw "${bad[0]}" in a label`);
  if (/direction\s+(TB|BT|RL|LR)/i.test(text)) fail('"direction XX" inside a line changes the diagram direction');
  return text;
}

function decode(text: string): string {
  return text.replace(/#(\d+);/g, (_m, code: string) => String.fromCodePoint(Number(code)));
}
