// The CLI's main() in this process, output captured: what a user would see, without a process start.
import { main } from '../../src/cli/main.js';
import { ROOT } from './child-cli.js';

export interface InProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function quiesce(args: string[], env: Record<string, string> = {}): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    stderrIsTTY: false,
    stdoutIsTTY: false,
    env: { ...process.env, NO_COLOR: '1', ...env },
    cwd: ROOT,
  });
  return { code, stdout, stderr };
}
