import path from 'node:path';
import { z } from 'zod';

const bool = z.enum(['on', 'off', 'true', 'false', '1', '0']).transform((v) => v === 'on' || v === 'true' || v === '1');

/** Every setting Taahil reads from the environment, validated at start. */
export const configSchema = z.object({
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  TAAHIL_DB: z.string().min(1).default('db/taahil.sqlite'),
  TAAHIL_UPLOADS: z.string().min(1).default('db/uploads'),
  TAAHIL_DEMO: z.enum(['on', 'off']).default('on'),
  TAAHIL_TZ: z
    .string()
    .default('Asia/Damascus')
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'not a known IANA time zone, e.g. Asia/Damascus'),
  /** public address used in links printed on certificates, cards and e-mails */
  TAAHIL_PUBLIC_URL: z.url().optional(),
  /** set when served over HTTPS (directly or behind a proxy): cookies get Secure */
  TAAHIL_SECURE_COOKIES: bool.default(false),
  TAAHIL_TRUST_PROXY: bool.default(false),
  /** sign-in sessions end after this many days without use */
  TAAHIL_SESSION_DAYS: z.coerce.number().int().min(1).max(365).default(10),
  TAAHIL_LOGIN_MAX_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SMTP_URL: z.url().optional(),
  SMTP_FROM: z.string().default('Taahil <no-reply@taahil.local>'),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {}

/** Reads and validates the configuration; throws a ConfigError naming each bad variable. */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Partial<Config> = {},
): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `  ${i.path.join('.')}: ${i.message} (got ${JSON.stringify(env[String(i.path[0])])})`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const config = { ...parsed.data, ...overrides };
  return config;
}

export function resolvePath(p: string): string {
  return p === ':memory:' ? p : path.resolve(p);
}
