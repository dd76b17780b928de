/** ProcAPI's error answers: a JSON body with the catalogue's code, a message and the details. */
import type { NextFunction, Request, Response } from 'express';
import { type ErrorCode, SmonnetError } from '../errors.js';
import type { Logger } from '../observability/logger.js';

/** Statuses express.json() gives the bodies it refuses: too large, unreadable charset or encoding, bad JSON. */
const BODY_ERRORS: Readonly<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

const BODY_PROBLEMS: Readonly<Record<string, string>> = {
  BAD_REQUEST: 'the body is not valid JSON',
  PAYLOAD_TOO_LARGE: 'the body is larger than 64 kB',
  UNSUPPORTED_MEDIA_TYPE: 'the body is in a charset or content encoding ProcAPI does not read',
};

/** What ProcAPI answers for an error: its catalogued status and code; anything else is a bug. */
export function errorHandler(logger: Logger) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    let e: SmonnetError;
    const status = (err as { status?: number }).status;
    if (err instanceof SmonnetError) e = err;
    else if (status !== undefined && status in BODY_ERRORS) {
      // express.json() reports a body it cannot take with a status of its own: the client's fault.
      const code = BODY_ERRORS[status]!;
      e = new SmonnetError(code, `${BODY_PROBLEMS[code]}: ${(err as Error).message}`);
    } else {
      logger.error({ err }, 'ProcAPI request failed');
      e = new SmonnetError('INTERNAL', 'internal error');
    }
    const message =
      e.code === 'INVALID_CONFIG' ? 'the change would make the configuration invalid' : e.message;
    res.status(e.httpStatus).json({ error: { code: e.code, message, details: e.details } });
  };
}
