import { describe, expect, it } from 'vitest';
import { describeKafkaError } from '../../../src/kafka/describe.js';

const nested = (message: string, ...errors: unknown[]) =>
  Object.assign(new AggregateError(errors, message), {});
const leaf = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe('Kafka errors as one line', () => {
  it('names the TLS cause under the retries that wrap it', () => {
    const err = nested(
      'Listing topics failed.',
      nested(
        'metadata failed 4 times.',
        nested(
          'Cannot connect to any broker.',
          Object.assign(new Error('Connection to k:9093 failed.'), {
            cause: leaf('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'),
          }),
        ),
      ),
    );
    expect(describeKafkaError(err)).toBe(
      'TLS with the broker failed: self-signed certificate in certificate chain',
    );
  });

  it('says the credentials were refused, and what a closed TLS connection likely means', () => {
    expect(describeKafkaError(nested('x', leaf('SASL authentication failed.')))).toBe(
      'the broker refused the SASL credentials: SASL authentication failed.',
    );
    const closed = nested(
      'Listing topics failed.',
      nested('listApis failed 4 times.', leaf('Connection closed'), leaf('Connection closed')),
    );
    expect(describeKafkaError(closed, { tls: true, clientCertificate: true })).toMatch(
      /does not accept the client certificate/,
    );
    expect(describeKafkaError(closed, { tls: true, clientCertificate: false })).toMatch(
      /may require a client certificate/,
    );
    expect(describeKafkaError(closed)).toBe('Listing topics failed.: Connection closed');
  });

  it('points a plaintext client at a TLS listener to security_protocol', () => {
    expect(describeKafkaError(nested('Listing topics failed.', leaf('Broker requires TLS.')))).toBe(
      'Broker requires TLS. (security_protocol = ssl or sasl_ssl)',
    );
  });
});
