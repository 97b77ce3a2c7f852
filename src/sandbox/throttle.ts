// Token buckets per service (and per read/mutate category), refilled on the virtual clock.
// A scripted `throttle` event replaces the refill rate while it is active.
import type { BucketSettings, SandboxService, WorldState } from './state.js';

export type BucketCategory = 'describe' | 'mutate';

export function categoryOf(command: string): BucketCategory {
  return /^(Describe|Get|List)/.test(command) ? 'describe' : 'mutate';
}

function bucketSettings(state: WorldState, service: SandboxService, category: BucketCategory): BucketSettings {
  const s = state.settings;
  switch (service) {
    case 'elbv2':
      return s.elbv2.throttle[category];
    case 'elasticache':
      return s.elasticache.throttle[category];
    case 'cloudwatch':
      return s.cloudwatch.throttle;
    case 'ssm':
      return s.ssm.throttle[category];
    case 'ecs':
      return s.ecs.throttle[category];
  }
}

function refillRate(state: WorldState, service: SandboxService, category: BucketCategory): number {
  let rate = bucketSettings(state, service, category).refillPerSecond;
  for (const effect of state.events.active) {
    if (effect.body.type === 'throttle' && effect.body.service === service) rate = effect.body.rate;
  }
  return rate;
}

function keyOf(service: SandboxService, category: BucketCategory): string {
  return service === 'cloudwatch' ? 'cloudwatch' : `${service}:${category}`;
}

/** Bring a bucket up to `now` at the refill rate in force; call before the rate changes. */
function settle(state: WorldState, service: SandboxService, category: BucketCategory): { tokens: number; updatedAt: number } {
  const key = keyOf(service, category);
  const { bucket } = bucketSettings(state, service, category);
  const current = state.buckets[key] ?? { tokens: bucket, updatedAt: state.now };
  const elapsed = Math.max(0, state.now - current.updatedAt) / 1000;
  const settled = { tokens: Math.min(bucket, current.tokens + elapsed * refillRate(state, service, category)), updatedAt: state.now };
  state.buckets[key] = settled;
  return settled;
}

export function settleBuckets(state: WorldState, service: SandboxService): void {
  settle(state, service, 'describe');
  if (service !== 'cloudwatch') settle(state, service, 'mutate');
}

/** Take one token; false means the call is throttled. */
export function takeToken(state: WorldState, service: SandboxService, command: string): boolean {
  const bucket = settle(state, service, categoryOf(command));
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}
