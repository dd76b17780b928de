import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../src/observability/logger.js';

describe('createLogger', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('takes the configured level, and SMONNET_LOG_LEVEL over it', () => {
    vi.stubEnv('SMONNET_LOG_LEVEL', '');
    expect(createLogger().level).toBe('info');
    expect(createLogger({ level: 'warn' }).level).toBe('warn');
    vi.stubEnv('SMONNET_LOG_LEVEL', 'debug');
    expect(createLogger({ level: 'warn' }).level).toBe('debug');
    vi.stubEnv('SMONNET_LOG_LEVEL', 'chatty');
    expect(() => createLogger()).toThrow(
      "log level 'chatty' is not one of fatal, error, warn, info, debug, trace, silent",
    );
  });
});
