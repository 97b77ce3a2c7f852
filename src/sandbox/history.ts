/** How much simulated past a new world has when a run starts: CloudWatch and health already reflect it. */
export const HISTORY_MS = 15 * 60_000;
