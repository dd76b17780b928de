/**
 * Structured JSON logs (pino). Every component takes a child logger carrying its context
 * (tenant, stage, topic, partition), so a line can be traced to its source without parsing text.
 */

import { type Logger, pino } from 'pino';
import { LOG_LEVELS } from '../config/types.js';
import { SmonnetError } from '../errors.js';

export type { Logger };

/**
 * `level` is the configured one ([supervisor] log_level); SMONNET_LOG_LEVEL wins over it, so an
 * operator can turn on debug logs for one run without editing the file.
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  const level = process.env['SMONNET_LOG_LEVEL'] || options.level || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new SmonnetError('INVALID_CONFIG', `log level '${level}' is not one of ${LOG_LEVELS.join(', ')}`);
  }
  return pino({ name: options.name ?? 'smonnet', level, base: { pid: process.pid } }, pino.destination(2));
}
