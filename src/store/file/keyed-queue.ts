/**
 * Runs tasks with the same key one after another inside this process, so concurrent calls queue here
 * instead of spinning on the inter-process file mutex.
 */
export function createKeyedQueue() {
  const tails = new Map<string, Promise<unknown>>();
  return function enqueue<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = tails.get(key) ?? Promise.resolve();
    // The previous task's outcome belongs to its own caller; this task runs either way.
    const next = previous.then(task, task);
    tails.set(key, next);
    const forget = () => {
      if (tails.get(key) === next) tails.delete(key);
    };
    next.then(forget, forget);
    return next;
  };
}
