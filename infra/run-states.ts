// Names of the run state machine's states, shared by the CDK definition and by tests that drive the
// synthesized ASL in a local interpreter (which overrides Task and Wait states by name).
export const RUN_STATES = {
  start: 'Start',
  advance: 'Advance',
  choose: 'RunStatus',
  waitForWork: 'WaitForWork',
  awaitApproval: 'AwaitApproval',
  done: 'Done',
  stopped: 'RunStopped',
  stoppedNoReason: 'RunStoppedNoReason',
  handlerError: 'HandlerError',
  badOutput: 'UnexpectedHandlerOutput',
} as const;

/** Lambda errors worth a retry: the invocation did not reach the handler, or was throttled. */
export const RETRIED_LAMBDA_ERRORS = ['Lambda.ServiceException', 'Lambda.TooManyRequestsException', 'Lambda.SdkClientException'] as const;
