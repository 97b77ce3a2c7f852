// The deployed state machine, executed by aws-local-stepfunctions with quiesce's handler in place of the
// Lambda tasks and no real waiting: its output, and every billed state transition (StateEntered).
import { StateMachine } from 'aws-local-stepfunctions';
import type { AslDefinition } from '../../infra/asl.js';
import { RUN_STATES } from '../../infra/run-states.js';
import type { HandlerResult } from '../../src/lambda/handler.js';

/** `onStateEntered`: each state's name and input as it is entered (what the console and the history show). */
export async function runLocally(
  definition: AslDefinition,
  input: unknown,
  invoke: (input: unknown) => Promise<unknown>,
  onStateEntered?: (name: string, input: unknown) => void,
): Promise<{ output: { run: HandlerResult }; transitions: number }> {
  const machine = new StateMachine(definition as never);
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: { [RUN_STATES.start]: invoke as never, [RUN_STATES.advance]: invoke as never },
      waitTimeOverrides: { [RUN_STATES.waitForWork]: 0, [RUN_STATES.awaitApproval]: 0 },
    },
  });
  let transitions = 0;
  const counting = (async () => {
    for await (const e of execution.eventLogs) {
      if (e.type !== 'StateEntered') continue;
      transitions++;
      onStateEntered?.(e.state.name, e.state.input);
    }
  })();
  const output = (await execution.result) as unknown as { run: HandlerResult };
  await counting;
  return { output, transitions };
}
