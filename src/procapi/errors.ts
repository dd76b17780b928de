/** ProcAPI's error answers: a JSON body with the catalogue's code, a message and the details. */
import type { NextFunction, Request, Response } from 'express';
import { SmonnetError } from '../errors.js';
import type { Logger } from '../observability/logger.js';

/** What ProcAPI answers for an error: its catalogued status and code; anything else is a bug. */
export function errorHandler(logger: Logger) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    let e: SmonnetError;
    if (err instanceof SmonnetError) e = err;
    else if ((err as { status?: number }).status === 400) {
      // express.json() reports malformed JSON with a status of its own.
      e = new SmonnetError('BAD_REQUEST', `the body is not valid JSON: ${(err as Error).message}`);
    } else {
      logger.error({ err }, 'ProcAPI request failed');
      e = new SmonnetError('INTERNAL', 'internal error');
    }
    const message =
      e.code === 'INVALID_CONFIG' ? 'the change would make the configuration invalid' : e.message;
    res.status(e.httpStatus).json({ error: { code: e.code, message, details: e.details } });
  };
}
