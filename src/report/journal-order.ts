import type { JournalEntry } from '../store/run-store.js';

// The engine journals a cluster's transitions from its persistence queue, while the effects journal
// their checks and calls directly: at one instant, "blue preflight checks" can land before
// "blue: (start) -> preflight". A report must read in causal order, so a transition that *enters* the
// phase an entry belongs to is moved up to just before that entry, never past another instant and
// never across another cluster's transitions. Likewise a cluster that ends at the instant the next one
// starts ended first: the fleet starts a cluster only when capacity frees up. Everything else keeps its
// journal order.

/** The top-level cluster state each effect (the `phase` of a check) runs in. */
const EFFECT_PHASE: Record<string, string> = {
  preflight: 'preflight',
  drift: 'removing',
  confirm: 'confirming',
  deregister: 'confirming',
  drain: 'draining',
  startStep: 'maintaining',
  step: 'maintaining',
  register: 'restoringTargets',
  verify: 'verifying',
  ramp: 'reactivating',
  secure: 'securing',
};

/** Why the weight is being set (an intent's `purpose`) tells the state that set it. */
const PURPOSE_PHASE: Record<string, string> = { remove: 'removing', ramp: 'reactivating', rollback: 'reactivating', secure: 'securing' };

const FINAL = new Set(['done', 'held', 'aborted']);

export const topOf = (state: string): string => state.split('.')[0]!;

/** The phase an entry was made in, when its data says so; undefined when it does not. */
export function phaseOfEntry(entry: JournalEntry): string | undefined {
  const data = entry.data ?? {};
  if (entry.kind === 'check' && typeof data.phase === 'string') return EFFECT_PHASE[data.phase];
  if (entry.kind === 'drift') return 'removing';
  if (entry.kind === 'intent') {
    if (typeof data.purpose === 'string') return PURPOSE_PHASE[data.purpose];
    if (data.step !== undefined) return 'maintaining';
  }
  return undefined;
}

export function causalOrder(journal: readonly JournalEntry[]): JournalEntry[] {
  const entries = [...journal].sort((a, b) => a.seq - b.seq);
  const emitted = new Set<number>();
  const phase = new Map<string, string>();
  const seen = new Set<string>();
  const out: JournalEntry[] = [];
  const emit = (entry: JournalEntry) => {
    emitted.add(entry.seq);
    out.push(entry);
    if (entry.kind === 'transition' && entry.cluster && typeof entry.data?.to === 'string') phase.set(entry.cluster, topOf(entry.data.to));
  };

  entries.forEach((entry, index) => {
    if (emitted.has(entry.seq)) return;
    const cluster = entry.cluster;
    if (cluster && !seen.has(cluster)) {
      seen.add(cluster);
      for (const t of endsOfOthers(entries, index, cluster, emitted)) emit(t);
    }
    const wanted = entry.kind === 'transition' ? undefined : phaseOfEntry(entry);
    if (cluster && wanted && phase.get(cluster) !== wanted) {
      const hoisted = transitionsInto(entries, index, cluster, wanted, emitted);
      for (const t of hoisted) emit(t);
    }
    emit(entry);
  });
  return out;
}

/** Other clusters' transitions at the same instant as entry `from`, up to their transition into a final state. */
function endsOfOthers(entries: JournalEntry[], from: number, cluster: string, emitted: Set<number>): JournalEntry[] {
  const at = entries[from]!.at;
  const pending = new Map<string, JournalEntry[]>();
  const out: JournalEntry[] = [];
  for (let i = from + 1; i < entries.length && entries[i]!.at === at; i++) {
    const e = entries[i]!;
    if (e.kind !== 'transition' || !e.cluster || e.cluster === cluster || emitted.has(e.seq) || typeof e.data?.to !== 'string') continue;
    const run = [...(pending.get(e.cluster) ?? []), e];
    pending.set(e.cluster, run);
    if (FINAL.has(topOf(e.data.to))) {
      out.push(...run);
      pending.delete(e.cluster);
    }
  }
  return out;
}

/** This cluster's later transitions at the same instant, up to the first that enters `phase`; none if none does. */
function transitionsInto(entries: JournalEntry[], from: number, cluster: string, phase: string, emitted: Set<number>): JournalEntry[] {
  const at = entries[from]!.at;
  const run: JournalEntry[] = [];
  for (let i = from + 1; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.at !== at) break;
    if (e.kind !== 'transition' || e.cluster !== cluster || emitted.has(e.seq)) continue;
    run.push(e);
    if (typeof e.data?.to === 'string' && topOf(e.data.to) === phase) return run;
  }
  return [];
}
