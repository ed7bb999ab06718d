import { OffloadError, type ErrorCode, type FieldProblem } from '@offload/contracts';

/** An error that answers with a problem+json body: its code picks the status and title. */
export class HttpProblem extends OffloadError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly fieldProblems?: readonly FieldProblem[],
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(code, message);
    this.name = 'HttpProblem';
  }
}

export function validationProblem(problems: readonly FieldProblem[], detail = 'the request failed validation'): HttpProblem {
  return new HttpProblem('validation_failed', `${detail}: ${problems.length} problem(s)`, problems);
}

/** The client closed the connection before the request was read: there is no one to answer. */
export class ClientGoneError extends Error {
  constructor(cause: unknown) {
    super('the client closed the connection before its request was read', { cause });
    this.name = 'ClientGoneError';
  }
}
