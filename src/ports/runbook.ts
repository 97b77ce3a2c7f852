import type { CommandStepInput, CommandStepResult } from '../runbook/command-step.js';
import type { HttpStepInput, HttpStepResult } from '../runbook/http-step.js';

/** Which step of which cluster a runbook effect is: what a rehearsal's script is keyed by. */
export interface RunbookStepRef {
  cluster: string;
  /** 0-based index into the plan's maintenance steps. */
  stepIndex: number;
}

/**
 * The plan's `command` and `http` steps act on the real world (a process, a webhook). Against AWS they
 * run; in a rehearsal the sandbox answers them unless the operator asked for real steps (`--real-steps`),
 * so rehearsing a production runbook never runs its patch script or fires its webhook by accident.
 */
export interface RunbookPort {
  /** `simulated`: the sandbox world answers; `real`: the process runs and the request is sent. */
  readonly mode: 'real' | 'simulated';
  command(input: CommandStepInput, ref: RunbookStepRef): Promise<CommandStepResult>;
  http(input: HttpStepInput, ref: RunbookStepRef): Promise<HttpStepResult>;
}
