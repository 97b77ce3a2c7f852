/** The process, as the CLI sees it: injectable so tests run commands in-process. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stderrIsTTY: boolean;
  stdoutIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The terminal's width, read at each redraw (it may be resized); absent or undefined: 80. */
  stderrColumns?: () => number | undefined;
  /**
   * Calls `handler` on Ctrl-C (SIGINT) instead of dying silently, then ends the process with 130 (the
   * shell's code for it); returns the function that removes it. Absent in tests run in-process.
   */
  onInterrupt?: (handler: () => void) => () => void;
}

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    env: process.env,
    cwd: process.cwd(),
    stderrColumns: () => process.stderr.columns,
    onInterrupt: (handler) => {
      const listener = () => {
        handler();
        // The process adapter owns the process: it ends it as the signal would have, with the shell's code.
        process.exit(130);
      };
      process.once('SIGINT', listener);
      return () => process.off('SIGINT', listener);
    },
  };
}
