/** ProcAPI's error answers: a JSON body with a stable code, a message and, for 400, the details. */
import type { NextFunction, Request, Response } from 'express';
import { ConfigErrors } from '../errors.js';
import type { Logger } from '../observability/logger.js';

export const API_ERROR_CODES = [
  'BAD_REQUEST',
  'INVALID_CONFIG',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'CONFLICT',
  'INTERNAL',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly details: readonly string[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function errorHandler(logger: Logger) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    if (err instanceof ConfigErrors) {
      res.status(400).json({
        error: {
          code: 'INVALID_CONFIG',
          message: 'the change would make the configuration invalid',
          details: err.errors.map((e) => e.message),
        },
      });
      return;
    }
    // express.json() reports malformed JSON with a status of its own.
    const status = (err as { status?: number; type?: string }).status;
    if (!(err instanceof ApiError) && status === 400) {
      res.status(400).json({
        error: {
          code: 'BAD_REQUEST',
          message: `the body is not valid JSON: ${(err as Error).message}`,
          details: [],
        },
      });
      return;
    }
    if (err instanceof ApiError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message, details: err.details } });
      return;
    }
    logger.error({ err }, 'ProcAPI request failed');
    res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error', details: [] } });
  };
}
