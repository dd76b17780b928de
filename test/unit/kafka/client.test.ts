import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientOptions, PLAINTEXT, parseBrokers } from '../../../src/kafka/client.js';

const dir = mkdtempSync(join(tmpdir(), 'smonnet-kafka-client-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('Kafka client options', () => {
  it('names the brokers and nothing else on plaintext', () => {
    const o = clientOptions({ brokers: 'k1:9092, [::1]:9093', security: PLAINTEXT }, 'smonnet-a');
    expect(o).toMatchObject({ clientId: 'smonnet-a', bootstrapBrokers: ['k1:9092', '[::1]:9093'] });
    expect(o.tls).toBeUndefined();
    expect(o.sasl).toBeUndefined();
    expect(() => parseBrokers(' , ')).toThrow(/no Kafka broker/);
    expect(() => parseBrokers('k1')).toThrow(/'k1' is not host:port/);
  });

  it('reads the CA, certificate and key files, and keeps the name check unless turned off', () => {
    const tls = {
      caFile: file('ca.pem', 'CA'),
      certFile: file('c.pem', 'CERT'),
      keyFile: file('c.key', 'KEY'),
      keyPassword: 'pass',
      checkHostname: true,
    };
    const o = clientOptions({ brokers: 'k:9093', security: { protocol: 'ssl', tls } }, 'x');
    expect(o.tls).toMatchObject({ rejectUnauthorized: true, passphrase: 'pass' });
    expect(String(o.tls?.ca)).toBe('CA');
    expect(String(o.tls?.cert)).toBe('CERT');
    expect(String(o.tls?.key)).toBe('KEY');
    expect(o.tls?.checkServerIdentity).toBeUndefined();
    const loose = clientOptions(
      { brokers: 'k:9093', security: { protocol: 'ssl', tls: { ...tls, checkHostname: false } } },
      'x',
    );
    expect(loose.tls?.rejectUnauthorized).toBe(true);
    expect(loose.tls?.checkServerIdentity?.('k', {} as never)).toBeUndefined();
  });

  it('gives SASL the mechanism and the password, read from its file at each build', () => {
    const passwordFile = file('pw', 'first\n');
    const security = {
      protocol: 'sasl_ssl' as const,
      sasl: { mechanism: 'scram-sha-512' as const, username: 'smonnet', password: undefined, passwordFile },
    };
    expect(clientOptions({ brokers: 'k:9095', security }, 'x').sasl).toEqual({
      mechanism: 'SCRAM-SHA-512',
      username: 'smonnet',
      password: 'first',
    });
    file('pw', 'rotated');
    expect(clientOptions({ brokers: 'k:9095', security }, 'x').sasl?.password).toBe('rotated');
  });

  it('asks OAUTHBEARER tokens of a provider', () => {
    const o = clientOptions(
      {
        brokers: 'k:9095',
        security: {
          protocol: 'sasl_ssl',
          sasl: {
            mechanism: 'oauthbearer',
            username: undefined,
            password: undefined,
            passwordFile: undefined,
            oauth: {
              tokenUrl: 'http://127.0.0.1:1/t',
              clientId: 'c',
              clientSecret: 's',
              clientSecretFile: undefined,
              scope: undefined,
            },
          },
        },
      },
      'x',
    );
    expect(o.sasl?.mechanism).toBe('OAUTHBEARER');
    expect(typeof o.sasl?.token).toBe('function');
  });
});
