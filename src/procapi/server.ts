/** Starts ProcAPI on its listener: HTTP, or HTTPS when [procapi] names a certificate and key. */

import { readFileSync } from 'node:fs';
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { Express } from 'express';
import type { ProcApiSettings } from '../config/types.js';
import { SmonnetError } from '../errors.js';

export function listen(app: Express, settings: ProcApiSettings): Promise<Server> {
  const server =
    settings.tlsCert && settings.tlsKey
      ? createHttps({ cert: readFileSync(settings.tlsCert), key: readFileSync(settings.tlsKey) }, app)
      : createHttp(app);
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new SmonnetError(
          'CANNOT_LISTEN',
          `ProcAPI cannot listen on ${settings.host}:${settings.port}: ${err.code ?? err.message}`,
        ),
      ),
    );
    server.listen(settings.port, settings.host, () => resolve(server));
  });
}
