/**
 * Structured JSON logs (pino). Every component takes a child logger carrying its context
 * (tenant, stage, topic, partition), so a line can be traced to its source without parsing text.
 */
import { type Logger, pino } from 'pino';

export type { Logger };

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  const level = options.level ?? process.env['SMONNET_LOG_LEVEL'] ?? 'info';
  if (!(LEVELS as readonly string[]).includes(level)) {
    throw new Error(`log level '${level}' is not one of ${LEVELS.join(', ')}`);
  }
  return pino({ name: options.name ?? 'smonnet', level, base: { pid: process.pid } }, pino.destination(2));
}
