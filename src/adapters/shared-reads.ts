import { waitIdle, type Clock } from '../ports/clock.js';
import { weightVerdict, type ForwardConfig, type ListenerRule, type TrafficLocation, type TrafficPort, type WeightVerdict } from '../ports/traffic.js';

// Reads the effects of one moment share. A phase's last look, the guard before the next change and the
// next phase's first look each read the listener (and target health) within the same moment: one read
// serves them all. A read is shared only while it is younger than SHARED_READ_MS (counted from when it
// was sent), half the spacing of the one-second looks, so no look is ever served an earlier look's read;
// and never across a write of this process. A change made by hand is seen by the next look after that.

export const SHARED_READ_MS = 500;

/** A memo of reads that any write of ours voids (a generation counter, so a read in flight across a write is not kept). */
export class SharedReads {
  private generation = 0;
  private writing = 0;
  private readonly entries = new Map<string, { at: number; generation: number; value: Promise<unknown> }>();
  private sweptAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly windowMs = SHARED_READ_MS,
  ) {}

  /**
   * `derive` lists other keys the same answer serves (the forward actions a listing of rules holds): they
   * are shared as if read by the same call, unless a write of ours came in between.
   */
  read<T>(key: string, load: () => Promise<T>, derive?: (value: T) => Array<[string, unknown]>): Promise<T> {
    const now = this.clock.now();
    this.sweep(now);
    const hit = this.entries.get(key);
    // While a write of ours is under way (a weight change waits for its lock and read-back), nothing is shared.
    // Waiting on another effect's read is idle time: that read may be asleep in a backoff on a virtual clock.
    if (this.writing === 0 && hit && hit.generation === this.generation && now - hit.at < this.windowMs && now >= hit.at) return waitIdle(this.clock, hit.value as Promise<T>);
    const generation = this.generation;
    const value = load();
    this.entries.set(key, { at: now, generation, value });
    // A failed read is not shared: the next reader asks AWS again (the caller still gets the error).
    value.then(
      (answer) => {
        if (!derive || this.generation !== generation || this.writing > 0) return;
        for (const [k, v] of derive(answer)) this.entries.set(k, { at: now, generation, value: Promise.resolve(v) });
      },
      () => {
        if (this.entries.get(key)?.value === value) this.entries.delete(key);
      },
    );
    return value;
  }

  /**
   * Reads too old to share are dropped, at most once per window: otherwise each key's last answer (a fleet's
   * listing, every target group's health) stays referenced until the next write, long after it can serve.
   */
  private sweep(now: number): void {
    if (now - this.sweptAt < this.windowMs) return;
    this.sweptAt = now;
    for (const [key, entry] of this.entries) if (now - entry.at >= this.windowMs || now < entry.at) this.entries.delete(key);
  }

  /** Records what a caller read by other means (the read of a weight change that sent nothing). */
  seed<T>(key: string, at: number, value: T): void {
    if (this.clock.now() - at < this.windowMs) this.entries.set(key, { at, generation: this.generation, value: Promise.resolve(value) });
  }

  /** Before and after each write: nothing read before it is shared after it. */
  written(): void {
    this.generation++;
    this.entries.clear();
  }

  async write<T>(send: () => Promise<T>): Promise<T> {
    this.written();
    this.writing++;
    try {
      return await send();
    } finally {
      this.writing--;
      this.written();
    }
  }
}

const forwardKey = (location: TrafficLocation) => `forward|${location.listenerArn}|${location.ruleArn ?? ''}`;

/** The forward action of every rule in a listing, keyed as readForwardConfig reads them (the default rule's is the listener's). */
function forwardsOf(rules: ListenerRule[]): Array<[string, ForwardConfig]> {
  return rules.flatMap((r): Array<[string, ForwardConfig]> =>
    r.forward ? [[forwardKey(r.priority === null ? { listenerArn: r.listenerArn } : { listenerArn: r.listenerArn, ruleArn: r.ruleArn }), r.forward]] : [],
  );
}

/** The traffic port with shared reads of the forward action, target health and the load balancer's rules. */
export function sharedTrafficReads(port: TrafficPort, clock: Clock, windowMs = SHARED_READ_MS): TrafficPort {
  const memo = new SharedReads(clock, windowMs);
  const forward = (location: TrafficLocation) => memo.read(forwardKey(location), () => port.readForwardConfig(location));
  return {
    ...port,
    readForwardConfig: forward,
    // The batch serves the same moment's single reads of each location.
    readForwardConfigs: (locations) =>
      memo.read(`forwards|${locations.map(forwardKey).join('|')}`, () => port.readForwardConfigs(locations), (read) => locations.map((l, i): [string, ForwardConfig] => [forwardKey(l), read[i]!])),
    // A listing of the rules holds the fleet's forward too: the look that reads both sends one request.
    readRules: (listenerArns) => memo.read(`rules|${listenerArns.join('|')}`, () => port.readRules(listenerArns), forwardsOf),
    listenersOf: (listenerArn) => memo.read(`listeners|${listenerArn}`, () => port.listenersOf(listenerArn)),
    async verifyWeight(location, targetGroupArn, weight): Promise<WeightVerdict> {
      return weightVerdict(await forward(location), targetGroupArn, weight);
    },
    async setWeight(location, targetGroupArn, weight, guard) {
      const sentAt = clock.now();
      // Inside the write nothing is shared, so the guard's reads are fresh.
      const result = await memo.write(() => port.setWeight(location, targetGroupArn, weight, guard));
      // Nothing sent: the port's own read is the live listener, as good as a read-back.
      if (!result.changed) memo.seed(forwardKey(location), sentAt, result.before);
      return result;
    },
    async setWeights(location, targetGroupArn, plan) {
      const sentAt = clock.now();
      const result = await memo.write(() => port.setWeights(location, targetGroupArn, plan));
      if (!result.changed) memo.seed(forwardKey(location), sentAt, result.before);
      return result;
    },
    describeTargetHealth: (targetGroupArn, targets) =>
      memo.read(`health|${targetGroupArn}|${(targets ?? []).map((t) => `${t.id}:${t.port ?? ''}`).join(',')}`, () => port.describeTargetHealth(targetGroupArn, targets)),
    deregisterTargets: (targetGroupArn, targets) => memo.write(() => port.deregisterTargets(targetGroupArn, targets)),
    registerTargets: (targetGroupArn, targets) => memo.write(() => port.registerTargets(targetGroupArn, targets)),
    createCanaryRule: (listenerArn, spec) => memo.write(() => port.createCanaryRule(listenerArn, spec)),
    deleteCanaryRule: (ruleArn) => memo.write(() => port.deleteCanaryRule(ruleArn)),
  };
}
