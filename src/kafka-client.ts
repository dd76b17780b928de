/**
 * One place that turns settings into a kafkajs client, so every process talks to Kafka with
 * the same timeouts and its log lines land in our structured log with their context.
 */

import kafkajs, { type Kafka, type LogEntry, type logCreator } from 'kafkajs';
import { SmonnetError } from './errors.js';
import type { Logger } from './observability/logger.js';

const { Kafka: KafkaClient, logLevel } = kafkajs;

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

function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      const fields = { kafkajs: extra };
      if (level <= logLevel.ERROR) logger.error(fields, message);
      else if (level === logLevel.WARN) logger.warn(fields, message);
      else if (level === logLevel.INFO) logger.debug(fields, message);
      else logger.trace(fields, message);
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
