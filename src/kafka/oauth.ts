/**
 * SASL/OAUTHBEARER with the OAuth 2 client-credentials grant (RFC 6749 section 4.4): a token is
 * asked of the endpoint when a connection authenticates, and kept until shortly before it expires,
 * so reconnecting brokers share one token.
 */
import { readFileSync } from 'node:fs';
import type { KafkaSecurity } from '../config/types.js';

type OAuth = NonNullable<NonNullable<KafkaSecurity['sasl']>['oauth']>;

/** A token is renewed this long before the expiry its endpoint gave. */
const RENEW_EARLY_MS = 30_000;

export function oauthTokenProvider(oauth: OAuth, fetchImpl: typeof fetch = fetch): () => Promise<string> {
  let cached: { token: string; until: number } | undefined;
  return async () => {
    if (cached && Date.now() < cached.until) return cached.token;
    const secret = oauth.clientSecretFile
      ? readFileSync(oauth.clientSecretFile, 'utf8').trim()
      : (oauth.clientSecret ?? '');
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    if (oauth.scope) body.set('scope', oauth.scope);
    const basic = Buffer.from(`${encodeURIComponent(oauth.clientId)}:${encodeURIComponent(secret)}`).toString(
      'base64',
    );
    const res = await fetchImpl(oauth.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    // The endpoint's answer may echo what it was sent: only its status is worth repeating.
    if (!res.ok) throw new Error(`OAuth token endpoint ${oauth.tokenUrl} answered ${res.status}`);
    const answer = (await res.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof answer.access_token !== 'string')
      throw new Error(`OAuth token endpoint ${oauth.tokenUrl} gave no access_token`);
    const lifetime = typeof answer.expires_in === 'number' ? answer.expires_in * 1000 : 300_000;
    cached = { token: answer.access_token, until: Date.now() + Math.max(0, lifetime - RENEW_EARLY_MS) };
    return cached.token;
  };
}
