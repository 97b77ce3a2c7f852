import type { CheckRow, DriftDiff, RunReport, ShardSummary, TimelineItem, WeightChange } from './run-report.js';
import { shortArn } from './sandbox-summary.js';
import { formatUtc } from './utc.js';

// The words of each timeline item, shared by the markdown report and the HTML review page so both say
// the same thing. Plain text: each renderer escapes for its own format.

export type Tone = 'normal' | 'ok' | 'warn' | 'failed';

export interface ItemText {
  /** Cluster name, `run`, `operator` or `sandbox`. */
  who: string;
  headline: string;
  tone: Tone;
  details: Array<{ text: string; tone: Tone }>;
}

const PHASE_ORDER = ['preflight', 'removing', 'confirming', 'draining', 'maintaining', 'restoringTargets', 'verifying', 'reactivating', 'paused', 'abortInMaintenance', 'securing'];

/** Phases in the order the cluster machine goes through them; unknown ones last, by name. */
export function phaseRank(phase: string): number {
  const i = PHASE_ORDER.indexOf(phase);
  return i === -1 ? PHASE_ORDER.length : i;
}

export const CHECK_LABEL: Record<CheckRow['status'], string> = { ok: 'ok', 'not yet': 'not yet', failed: 'FAILED' };

/** "external: listener/app/payments-ext/…/…; internal: rule listener-rule/app/…": each location of a fleet at several. */
export function locationsText(locations: NonNullable<RunReport['locations']>): string {
  return locations.map((l) => `${l.name}: listener ${shortArn(l.listenerArn)}${l.ruleArn ? `, rule ${shortArn(l.ruleArn)}` : ''}`).join('; ');
}

/** One shard of a cluster mode enabled group, as the report lists it: "0001 moved (a -> b)". */
export function describeShard(shard: ShardSummary): { text: string; tone: Tone } {
  if (shard.state === 'moved') return { text: `${shard.nodeGroupId} moved (${shard.from ?? 'primary not reported'} -> ${shard.to ?? '?'})`, tone: 'ok' };
  if (shard.state === 'requested') return { text: `${shard.nodeGroupId} failover requested, not completed`, tone: 'warn' };
  return { text: `${shard.nodeGroupId} not started`, tone: 'normal' };
}

export function describeItem(item: TimelineItem): ItemText {
  const who = item.cluster ?? 'run';
  const plain = (headline: string, tone: Tone = 'normal', details: ItemText['details'] = []) => ({ who, headline, tone, details });
  // An entry about one location of a fleet at several says which ("ModifyListener at internal: ..."),
  // once: the engine's own messages may name it already ("weight 1 -> 0 at internal").
  const at = item.location !== undefined ? ` at ${item.location}` : '';
  const atUnlessIn = (text: string) => (at && (text.includes(at) || text.startsWith(`${at.trimStart()}:`)) ? '' : at);
  switch (item.kind) {
    case 'run':
      return plain(item.message.replace(/^run /, ''), item.event === 'paused' ? 'warn' : item.event === 'ended' && item.status !== 'done' ? 'failed' : 'normal');
    case 'phase': {
      const tone: Tone = item.to === 'held' || item.to === 'aborted' ? 'failed' : item.to === 'paused' ? 'warn' : item.to === 'done' ? 'ok' : 'normal';
      const sub = item.state !== item.to ? ` (${item.state})` : '';
      return plain(`${item.from ?? 'start'} -> ${item.to}${sub}${item.reason ? `: ${item.reason}` : ''}`, tone);
    }
    case 'call':
      return { who, ...describeCall(item, at, atUnlessIn(item.message)) };
    case 'intent':
      return plain(`intent recorded, no completed call followed${atUnlessIn(item.message)}: ${item.message}`, 'warn');
    case 'checks':
      return plain(checksHeadline(`${item.phase}${at}`, item.checks), item.checks.some((c) => c.status === 'failed') ? 'failed' : 'normal', item.checks.map((c) => ({ text: checkText(c), tone: checkTone(c) })));
    case 'drift': {
      const summary = at && item.diff.summary.startsWith(`${at.trimStart()}: `) ? item.diff.summary.slice(at.length + 1) : item.diff.summary;
      return plain(`drift detected${at}: ${summary}`, 'failed', driftLines(item.diff).map((text) => ({ text, tone: 'failed' as const })));
    }
    case 'operator':
      return { who: 'operator', headline: item.message, tone: 'warn', details: [] };
    case 'error':
      return plain(`error${atUnlessIn(item.message)}: ${item.message}`, 'failed');
    case 'note':
      return plain(`${item.message}${atUnlessIn(item.message)}`);
    case 'out-of-band':
      return { who: 'sandbox', headline: `${item.command} on ${item.resource} by ${item.caller}: a change quiesce did not make`, tone: 'failed', details: [] };
    case 'violation':
      return { who: 'sandbox', headline: `violation ${item.violation}: ${item.message}`, tone: 'failed', details: [] };
  }
}

function describeCall(item: Extract<TimelineItem, { kind: 'call' }>, at: string, atUnlessInMessage: string): Omit<ItemText, 'who'> {
  if (item.weights) {
    const moved = item.weights.filter((w) => w.before !== w.after);
    if (!item.changed) return { headline: `${item.call}${at} not sent: weights already as intended (${weightList(item.weights)})`, tone: 'normal', details: [] };
    return {
      headline: `${item.call}${at}${item.ramp ? `, ${rampText(item.ramp)}` : ''}: ${moved.map((w) => `${w.group} weight ${w.before ?? 'absent'} -> ${w.after ?? 'absent'}`).join(', ') || item.message}`,
      tone: 'normal',
      details: [
        ...item.weights.map((w) => ({ text: weightText(w), tone: 'normal' as const })),
        ...(item.rescaledGroups ? [{ text: `${item.rescaledGroups} other target groups: ${rescaledText(item.ramp)}`, tone: 'normal' as const }] : []),
        ...(item.unchangedGroups ? [{ text: `${item.unchangedGroups} other target groups: unchanged`, tone: 'normal' as const }] : []),
      ],
    };
  }
  if (item.targets) {
    const ids = item.targets.before.length ? item.targets.before : item.targets.after;
    return {
      headline: `${item.call}${at}: ${ids.length} target${ids.length === 1 ? '' : 's'}`,
      tone: 'normal',
      details: [
        { text: `registered before: ${item.targets.before.join(', ') || 'none'}`, tone: 'normal' },
        { text: `registered after: ${item.targets.after.join(', ') || 'none'}`, tone: 'normal' },
      ],
    };
  }
  if (item.cache) {
    return {
      headline: `${item.call} on ${item.cache.replicationGroupId ?? 'the cache'} (${item.cache.operation} requested)${item.cache.change ? `: ${item.cache.change}` : ''}`,
      tone: 'normal',
      details: Object.entries(item.cache.request).map(([k, v]) => ({ text: `${k}: ${v}`, tone: 'normal' as const })),
    };
  }
  return { headline: item.call === 'note' ? `${item.message}${atUnlessInMessage}` : `${item.call}${atUnlessInMessage}: ${item.message}`, tone: 'normal', details: [] };
}

/** "ramp 10% of its share: every weight x100 so the others keep their shares", "... back to the original weights". */
function rampText(ramp: NonNullable<Extract<TimelineItem, { kind: 'call' }>['ramp']>): string {
  const step = ramp.percent > 0 ? `ramp ${ramp.percent}% of its share` : 'out of rotation';
  if (ramp.scaleAfter === ramp.scaleBefore) return ramp.scaleAfter > 1 ? `${step}, every weight still x${ramp.scaleAfter}` : step;
  return ramp.scaleAfter > 1 ? `${step}: every weight x${ramp.scaleAfter} so the others keep their shares` : `${step}: back to the original weights`;
}

/** What a ramp did to the groups it only rescaled (journaled as a count in a large forward config). */
function rescaledText(ramp: Extract<TimelineItem, { kind: 'call' }>['ramp']): string {
  if (!ramp || ramp.scaleAfter === ramp.scaleBefore) return 'rescaled';
  return ramp.scaleAfter > ramp.scaleBefore ? `every weight x${ramp.scaleAfter}` : 'back to the original weights';
}

function weightText(w: WeightChange): string {
  if (w.before === w.after) return `${w.group}: ${w.after ?? 'absent'} (unchanged)`;
  return `${w.group}: ${w.before ?? 'absent'} -> ${w.after ?? 'absent'}`;
}

function weightList(weights: WeightChange[]): string {
  return weights.map((w) => `${w.group} ${w.after ?? 'absent'}`).join(', ');
}

function checksHeadline(phase: string, checks: CheckRow[]): string {
  const counts = (['ok', 'not yet', 'failed'] as const).map((s) => [s, checks.filter((c) => c.status === s).length] as const).filter(([, n]) => n > 0);
  return `${phase} checks: ${counts.map(([s, n]) => `${n} ${CHECK_LABEL[s]}`).join(', ')}`;
}

export function checkText(c: CheckRow): string {
  const threshold = c.threshold ? `; threshold ${c.threshold}` : '';
  const why = c.message ? ` (${c.message})` : '';
  const repeated = c.count > 1 ? ` (same observation ${c.count} times, last ${formatUtc(c.lastAt)})` : '';
  return `${CHECK_LABEL[c.status]} ${c.name}: observed ${c.observed}${threshold}${why}${repeated}`;
}

export function checkTone(c: CheckRow): Tone {
  return c.status === 'failed' ? 'failed' : c.status === 'ok' ? 'ok' : 'normal';
}

/** The exact diff: one line per group or target set that differs. */
export function driftLines(diff: DriftDiff): string[] {
  const lines: string[] = [];
  for (const w of diff.weights) {
    if (w.live === null) lines.push(`${w.group}: missing from the forward action (expected weight ${w.expected ?? 'any'})`);
    else if (w.expected === null) lines.push(`${w.group}: not expected, present with live weight ${w.live}`);
    else lines.push(`${w.group}: expected weight ${w.expected}, live weight ${w.live}`);
  }
  for (const t of diff.targetsAppeared) lines.push(`${t.group}: targets appeared: ${t.targets.join(', ')}`);
  for (const t of diff.targetsVanished) lines.push(`${t.group}: targets vanished: ${t.targets.join(', ')}`);
  for (const r of diff.routes) lines.push(`${r.group}: still forwarded to by ${r.rule} with weight ${r.weight}`);
  return lines;
}
