/**
 * A Kafka client error as one line an operator can act on: the client wraps the cause (a TLS
 * refusal, a SASL answer, a codec) in retries and aggregates; status shows the cause, never a
 * credential (the client's messages name mechanisms and hosts, not secrets).
 */
import type { KafkaSecurity } from '../config/types.js';

interface Nested {
  message?: unknown;
  code?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/** The innermost errors of `err`: each cause and aggregate followed to its end. */
function leaves(err: unknown, depth = 0): Nested[] {
  if (typeof err !== 'object' || err === null || depth > 8) return [];
  const e = err as Nested;
  const inner = [
    ...(Array.isArray(e.errors) ? e.errors.flatMap((x) => leaves(x, depth + 1)) : []),
    ...leaves(e.cause, depth + 1),
  ];
  return inner.length > 0 ? inner : [e];
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|HOSTNAME|ALTNAME/;

/** What the caller knows of how it connects, for causes the error itself does not name. */
export interface ConnectionHint {
  readonly tls: boolean;
  readonly clientCertificate: boolean;
}

export const hintOf = (security: KafkaSecurity): ConnectionHint => ({
  tls: security.tls !== undefined,
  clientCertificate: security.tls?.certFile !== undefined,
});

export function describeKafkaError(err: unknown, hint?: ConnectionHint): string {
  const all = leaves(err);
  const text = (e: Nested) => String(e.message ?? e);
  // A TLS 1.3 broker refuses a client certificate after the handshake by closing the connection:
  // all the client sees is every connection closed at once.
  if (hint?.tls && all.length > 0 && all.every((e) => /^Connection closed/.test(text(e))))
    return hint.clientCertificate
      ? 'the broker closed every TLS connection at once: it does not accept the client certificate (ssl_cert_file), or the listener expects another protocol'
      : 'the broker closed every TLS connection at once: it may require a client certificate (ssl_cert_file and ssl_key_file), or the listener expects another protocol';
  const protocol = all.find((e) => /requires TLS/i.test(text(e)));
  if (protocol) return `${text(protocol)} (security_protocol = ssl or sasl_ssl)`;
  const tls = all.find((e) => TLS_CODES.test(String(e.code ?? '')) || /certificate|SSL|TLS/i.test(text(e)));
  if (tls) return `TLS with the broker failed: ${text(tls)}`;
  const auth = all.find((e) => /authenticat|SASL|credential/i.test(text(e)));
  if (auth) return `the broker refused the SASL credentials: ${text(auth)}`;
  const codec = all.find((e) => /compress|codec/i.test(text(e)));
  if (codec) return `cannot read a record batch: ${text(codec)}`;
  const first = all[0];
  const top = typeof err === 'object' && err !== null ? String((err as Nested).message ?? err) : String(err);
  return first && text(first) !== top ? `${top}: ${text(first)}` : top;
}
