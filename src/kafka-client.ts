/**
 * One place that turns settings into a kafkajs client, so every process talks to Kafka with
 * the same timeouts and its log lines land in our structured log with their context.
 */

import { createRequire } from 'node:module';
import kafkajs, { type Kafka, type LogEntry, type logCreator } from 'kafkajs';
import { SmonnetError } from './errors.js';
import type { Logger } from './observability/logger.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

interface RequestQueueShape {
  pending: unknown[];
  throttledUntil: number;
  scheduleCheckPendingRequests(): void;
}

/**
 * kafkajs 2.2.4 re-arms a 1 ms timer on every broker connection forever once a request was sent,
 * even with nothing pending and no throttle (upstream issues #1556 and #1704; the fixes were never
 * merged). Measured here: an idle worker spent 2-3 % of a core on it, 24 tenants half a core.
 * With nothing pending and no throttle there is nothing to check: the next request sent, or the
 * next response, checks the queue again, as kafkajs does anyway. Returns whether it applied.
 */
export function quietIdleRequestQueues(): boolean {
  const require = createRequire(import.meta.url);
  const { version } = require('kafkajs/package.json') as { version: string };
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
    prototype: RequestQueueShape & { smonnetQuiet?: boolean };
  };
  const proto = RequestQueue.prototype;
  // Another kafkajs may have fixed it, or renamed what this relies on: then leave it alone.
  if (!version.startsWith('2.2.') || typeof proto.scheduleCheckPendingRequests !== 'function') return false;
  if (proto.smonnetQuiet) return true;
  const schedule = proto.scheduleCheckPendingRequests;
  proto.scheduleCheckPendingRequests = function (this: RequestQueueShape) {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    schedule.call(this);
  };
  proto.smonnetQuiet = true;
  return true;
}
quietIdleRequestQueues();

export function parseBrokers(brokers: string): string[] {
  const list = brokers
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  if (list.length === 0)
    throw new SmonnetError('INVALID_CONFIG', 'no Kafka broker given (expected host:port[,host:port...])');
  for (const b of list) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b) && !/^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(b)) {
      throw new SmonnetError('INVALID_CONFIG', `Kafka broker '${b}' is not host:port`);
    }
  }
  return list;
}

type PinoLevel = 'error' | 'warn' | 'debug' | 'trace';

/**
 * The level a kafkajs log line gets in smonnet's log. kafkajs logs every error answer of a broker
 * ("Response CreateTopics(...)" when 24 workers race to create the dead-letter topic) as an error,
 * before it retries or its caller handles the answer: what fails for good reaches smonnet's own
 * log with the tenant's context, so those lines are debug.
 */
export function kafkajsLevel(level: number, message: string): PinoLevel {
  if (level <= logLevel.ERROR) return message.startsWith('Response ') ? 'debug' : 'error';
  if (level === logLevel.WARN) return 'warn';
  return level === logLevel.INFO ? 'debug' : 'trace';
}

function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      logger[kafkajsLevel(level, message)]({ kafkajs: extra }, message);
    };
}

export function createKafka(brokers: string, clientId: string, logger: Logger): Kafka {
  return new KafkaClient({
    clientId,
    brokers: parseBrokers(brokers),
    logLevel: logLevel.INFO,
    logCreator: pinoLogCreator(logger.child({ component: 'kafkajs' })),
    connectionTimeout: 3000,
    retry: { initialRetryTime: 300, retries: 8 },
  });
}
