/**
 * One place that turns [kafka] settings into client options, so every process (tenant workers,
 * the segregator, `smonnet gen`, the tests) reaches the brokers the same way: the same brokers,
 * timeouts, TLS and SASL. Secrets in files are read each time a client is built, so a rotated
 * password or key is picked up by the next restart of a worker.
 */
import { readFileSync } from 'node:fs';
import type { BaseOptions, SASLOptions } from '@platformatic/kafka';
import type { KafkaSecurity, KafkaSettings } from '../config/types.js';
import { SmonnetError } from '../errors.js';
import { oauthTokenProvider } from './oauth.js';

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

/** What a client needs to know of [kafka]: where the brokers are and how to reach them. */
export type KafkaConnection = Pick<KafkaSettings, 'brokers' | 'security'>;

export const PLAINTEXT: KafkaSecurity = { protocol: 'plaintext' };

export function clientOptions(kafka: KafkaConnection, clientId: string): BaseOptions {
  const { tls, sasl } = kafka.security;
  return {
    clientId,
    bootstrapBrokers: parseBrokers(kafka.brokers),
    connectTimeout: 3000,
    // Requests are retried here a few times; what keeps failing reaches smonnet's own loops,
    // which back off, report the reason in status and try again without end.
    retries: 3,
    retryDelay: 300,
    // A worker's Kafka answers hold at most its fetch (2 MB): no need for the default's 30 s.
    requestTimeout: 15_000,
    ...(tls && {
      tls: {
        ...(tls.caFile && { ca: readFileSync(tls.caFile) }),
        ...(tls.certFile && { cert: readFileSync(tls.certFile) }),
        ...(tls.keyFile && { key: readFileSync(tls.keyFile) }),
        ...(tls.keyPassword !== undefined && { passphrase: tls.keyPassword }),
        rejectUnauthorized: true,
        // The chain is always verified; only the name check can be turned off (brokers reached
        // through an address their certificate does not name).
        ...(!tls.checkHostname && { checkServerIdentity: () => undefined }),
      },
    }),
    ...(sasl && { sasl: saslOptions(sasl) }),
  };
}

const MECHANISMS = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
  oauthbearer: 'OAUTHBEARER',
} as const;

function saslOptions(sasl: NonNullable<KafkaSecurity['sasl']>): SASLOptions {
  const mechanism = MECHANISMS[sasl.mechanism];
  if (sasl.oauth) return { mechanism, token: oauthTokenProvider(sasl.oauth) };
  const password = sasl.passwordFile
    ? readFileSync(sasl.passwordFile, 'utf8').replace(/\r?\n$/, '')
    : (sasl.password ?? '');
  return { mechanism, username: sasl.username ?? '', password };
}
