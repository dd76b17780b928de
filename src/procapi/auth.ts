/**
 * ProcAPI authentication: a bearer token (SMONNET_API_TOKEN, else [procapi] token_file, else one
 * generated at start into <runtime_dir>/api.token, readable by the owner only) or HTTP basic
 * credentials from [procapi]. Secrets are compared in constant time.
 */

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import type { ProcApiSettings, SupervisorSettings } from '../config/types.js';
import { SmonnetError } from '../errors.js';

/** Equal-length digests, so the comparison takes the same time whatever the guess. */
export function secretEquals(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export function tokenFilePath(supervisor: SupervisorSettings): string {
  return join(supervisor.runtimeDir, 'api.token');
}

/** The token clients must present; generated and written down when none is configured. */
export function resolveToken(procapi: ProcApiSettings, supervisor: SupervisorSettings): string {
  const fromEnv = process.env['SMONNET_API_TOKEN'];
  if (fromEnv) return fromEnv;
  if (procapi.tokenFile) return readFileSync(procapi.tokenFile, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  mkdirSync(supervisor.runtimeDir, { recursive: true, mode: 0o750 });
  writeFileSync(tokenFilePath(supervisor), `${token}\n`, { mode: 0o600 });
  return token;
}

/** The token a client on this machine uses: the environment, the token file, or the generated one. */
export function clientToken(procapi: ProcApiSettings, supervisor: SupervisorSettings): string | undefined {
  const fromEnv = process.env['SMONNET_API_TOKEN'];
  if (fromEnv) return fromEnv;
  for (const file of [procapi.tokenFile, tokenFilePath(supervisor)]) {
    if (!file) continue;
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      // try the next place
    }
  }
  return undefined;
}

export function authenticate(token: string, procapi: ProcApiSettings) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const header = req.get('authorization') ?? '';
    const [scheme, value = ''] = header.split(' ', 2);
    if (scheme?.toLowerCase() === 'bearer' && secretEquals(value.trim(), token)) {
      next();
      return;
    }
    if (
      scheme?.toLowerCase() === 'basic' &&
      procapi.username !== undefined &&
      procapi.password !== undefined
    ) {
      const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = decoded.slice(0, Math.max(0, colon));
      const password = decoded.slice(colon + 1);
      // Both compared, always, so timing does not reveal which one was wrong.
      const userOk = secretEquals(user, procapi.username);
      const passwordOk = secretEquals(password, procapi.password);
      if (colon >= 0 && userOk && passwordOk) {
        next();
        return;
      }
    }
    next(
      new SmonnetError(
        'UNAUTHORIZED',
        'missing or wrong credentials (Authorization: Bearer <token> or Basic)',
      ),
    );
  };
}
