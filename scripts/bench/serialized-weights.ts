// BENCH-ONLY WORKAROUND, labelled as such wherever it is used. quiesce's traffic port changes a weight
// by reading the whole forward action and writing it back (elbv2-traffic.ts setWeight); with
// maxOutOfService > 1 two clusters' changes interleave and the second write puts back the first
// cluster's old weight (a lost update: docs/performance.md, finding 1). Until the port serializes its own
// writes, the scale runs wrap it here so that they measure speed rather than stop at the first pause.
import type { Connection } from '../../src/run/engine.js';

export function serializeWeightChanges(connection: Connection): Connection {
  const chains = new Map<string, Promise<unknown>>();
  const traffic = connection.traffic;
  const setWeight: typeof traffic.setWeight = (location, targetGroupArn, weight) => {
    const key = `${location.listenerArn}|${location.ruleArn ?? ''}`;
    const previous = chains.get(key) ?? Promise.resolve();
    const next = previous.then(
      () => traffic.setWeight(location, targetGroupArn, weight),
      () => traffic.setWeight(location, targetGroupArn, weight),
    );
    chains.set(key, next.catch(() => undefined));
    return next;
  };
  return { ...connection, traffic: { ...traffic, setWeight } };
}
