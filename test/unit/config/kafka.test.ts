import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';

const dir = mkdtempSync(join(tmpdir(), 'smonnet-kafka-cfg-'));
for (const f of ['ca.pem', 'client.pem', 'client.key', 'password']) writeFileSync(join(dir, f), 'x\n');
const file = join(dir, 'api.cfg');
const cfg = (kafka: string[]) =>
  parseConfig(['[kafka]', ...kafka, '[tenant.a]', 'es_nodes = 127.0.0.1:9200'].join('\n'), file).kafka;
const problems = (kafka: string[]): string => {
  try {
    cfg(kafka);
    return '';
  } catch (err) {
    return (err as Error).message;
  }
};

describe('[kafka] security and compression', () => {
  it('is plaintext with zstd for what smonnet writes unless told otherwise', () => {
    expect(cfg([])).toMatchObject({ security: { protocol: 'plaintext' }, compression: 'zstd' });
    expect(cfg(['compression = lz4']).compression).toBe('lz4');
    expect(problems(['compression = brotli'])).toMatch(
      /compression.*'brotli' is not one of none, gzip, snappy, lz4, zstd/,
    );
  });

  it('reads mutual TLS with paths relative to the file, hostname checks on by default', () => {
    const k = cfg([
      'security_protocol = ssl',
      'ssl_ca_file = ca.pem',
      'ssl_cert_file = client.pem',
      'ssl_key_file = client.key',
      'ssl_key_password = k3y',
    ]);
    expect(k.security).toEqual({
      protocol: 'ssl',
      tls: {
        caFile: join(dir, 'ca.pem'),
        certFile: join(dir, 'client.pem'),
        keyFile: join(dir, 'client.key'),
        keyPassword: 'k3y',
        checkHostname: true,
      },
    });
    expect(cfg(['security_protocol = ssl', 'ssl_check_hostname = no']).security.tls?.checkHostname).toBe(
      false,
    );
  });

  it('reads SASL with an inline password or a password file', () => {
    expect(
      cfg([
        'security_protocol = sasl_ssl',
        'sasl_mechanism = SCRAM-SHA-512',
        'sasl_username = smonnet',
        'sasl_password_file = password',
      ]).security,
    ).toEqual({
      protocol: 'sasl_ssl',
      tls: {
        caFile: undefined,
        certFile: undefined,
        keyFile: undefined,
        keyPassword: undefined,
        checkHostname: true,
      },
      sasl: {
        mechanism: 'scram-sha-512',
        username: 'smonnet',
        password: undefined,
        passwordFile: join(dir, 'password'),
      },
    });
    expect(
      cfg([
        'security_protocol = sasl_plaintext',
        'sasl_mechanism = plain',
        'sasl_username = u',
        'sasl_password = p',
      ]).security,
    ).toEqual({
      protocol: 'sasl_plaintext',
      sasl: { mechanism: 'plain', username: 'u', password: 'p', passwordFile: undefined },
    });
  });

  it('reads OAUTHBEARER with a client-credentials endpoint', () => {
    const k = cfg([
      'security_protocol = sasl_ssl',
      'sasl_mechanism = oauthbearer',
      'sasl_oauth_token_url = https://idp.example/token',
      'sasl_oauth_client_id = smonnet',
      'sasl_oauth_client_secret_file = password',
      'sasl_oauth_scope = kafka',
    ]);
    expect(k.security.sasl?.oauth).toEqual({
      tokenUrl: 'https://idp.example/token',
      clientId: 'smonnet',
      clientSecret: undefined,
      clientSecretFile: join(dir, 'password'),
      scope: 'kafka',
    });
  });

  it('refuses what would be ignored or cannot work, naming the key and never the secret', () => {
    expect(problems(['ssl_ca_file = ca.pem'])).toMatch(
      /ssl_ca_file.*needs security_protocol = ssl or sasl_ssl \(it is plaintext\)/,
    );
    expect(problems(['security_protocol = ssl', 'sasl_password = s3cr3t-value'])).toMatch(
      /sasl_password.*needs security_protocol = sasl/,
    );
    expect(problems(['security_protocol = ssl', 'sasl_password = s3cr3t-value'])).not.toContain(
      's3cr3t-value',
    );
    expect(problems(['security_protocol = tls'])).toMatch(
      /'tls' is not one of plaintext, ssl, sasl_plaintext, sasl_ssl/,
    );
    expect(problems(['security_protocol = ssl', 'ssl_cert_file = client.pem'])).toMatch(
      /ssl_cert_file and ssl_key_file go together/,
    );
    expect(problems(['security_protocol = ssl', 'ssl_ca_file = missing.pem'])).toMatch(
      /ssl_ca_file.*does not exist/,
    );
    expect(problems(['security_protocol = sasl_ssl', 'sasl_username = u', 'sasl_password = p'])).toMatch(
      /sasl_mechanism.*is required/,
    );
    expect(
      problems([
        'security_protocol = sasl_ssl',
        'sasl_mechanism = plain',
        'sasl_username = u',
        'sasl_password = p',
        'sasl_password_file = password',
      ]),
    ).toMatch(/give one of sasl_password or sasl_password_file/);
    expect(
      problems(['security_protocol = sasl_ssl', 'sasl_mechanism = scram-sha-256', 'sasl_password = p']),
    ).toMatch(/sasl_username.*is required/);
    expect(
      problems([
        'security_protocol = sasl_ssl',
        'sasl_mechanism = oauthbearer',
        'sasl_oauth_client_id = c',
        'sasl_oauth_client_secret = s',
      ]),
    ).toMatch(/sasl_oauth_token_url.*is required/);
  });
});
