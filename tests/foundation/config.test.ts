import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../server/config.ts';

describe('configuration', () => {
  it('has defaults for a newcomer', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.TAAHIL_DB).toBe('db/taahil.sqlite');
    expect(c.TAAHIL_TZ).toBe('Asia/Damascus');
    expect(c.TAAHIL_DEMO).toBe('on');
  });

  it('names every wrong variable', () => {
    expect(() => loadConfig({ PORT: 'eighty', TAAHIL_TZ: 'Mars/Olympus' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'eighty', TAAHIL_TZ: 'Mars/Olympus', TAAHIL_DEMO: 'maybe' });
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).toContain('PORT');
      expect(msg).toContain('TAAHIL_TZ');
      expect(msg).toContain('TAAHIL_DEMO');
      expect(msg).toContain('"eighty"');
    }
  });

  it('stops `npm start` with a clear message on a bad value', () => {
    let out = '';
    let code = 0;
    try {
      execFileSync(process.execPath, ['server/start.js'], {
        env: { ...process.env, PORT: '99999', TAAHIL_DB: ':memory:' },
        encoding: 'utf8',
        stdio: 'pipe',
      });
    } catch (e: any) {
      code = e.status;
      out = `${e.stdout}${e.stderr}`;
    }
    expect(code).toBe(1);
    expect(out).toContain('PORT');
    expect(out).not.toMatch(/at .*\.(ts|js):\d+/); // a message, not a stack trace
  });
});
