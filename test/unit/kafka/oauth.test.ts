import { describe, expect, it } from 'vitest';
import { oauthTokenProvider } from '../../../src/kafka/oauth.js';

const OAUTH = {
  tokenUrl: 'https://idp.example/token',
  clientId: 'smonnet',
  clientSecret: 's3cr3t',
  clientSecretFile: undefined,
  scope: 'kafka',
};

describe('OAUTHBEARER tokens', () => {
  it('asks with the client credentials, and keeps the token until shortly before it expires', async () => {
    const asked: RequestInit[] = [];
    let n = 0;
    const fetchImpl = (async (_url: string, init: RequestInit) => {
      asked.push(init);
      return new Response(JSON.stringify({ access_token: `t${++n}`, expires_in: 3600 }), { status: 200 });
    }) as typeof fetch;
    const token = oauthTokenProvider(OAUTH, fetchImpl);
    expect(await token()).toBe('t1');
    expect(await token()).toBe('t1');
    expect(asked).toHaveLength(1);
    expect(String(asked[0]!.body)).toBe('grant_type=client_credentials&scope=kafka');
    expect((asked[0]!.headers as Record<string, string>)['authorization']).toBe(
      `Basic ${Buffer.from('smonnet:s3cr3t').toString('base64')}`,
    );
  });

  it('says which endpoint refused, never what it answered', async () => {
    const fetchImpl = (async () =>
      new Response('invalid_client s3cr3t', { status: 401 })) as unknown as typeof fetch;
    await expect(oauthTokenProvider(OAUTH, fetchImpl)()).rejects.toThrow(
      /^OAuth token endpoint https:\/\/idp.example\/token answered 401$/,
    );
  });
});
