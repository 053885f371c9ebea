import type { z } from 'zod';
import { FormError } from './errors.ts';

/**
 * Turns zod issues into field → translation-key errors. A custom message that is
 * already a key ("errors.x" or "<feature>.errors.x") is used as it is; otherwise
 * the issue's kind picks a generic key.
 */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path.length ? issue.path.map(String).join('.') : '_form';
    if (out[field]) continue;
    out[field] = issueKey(issue);
  }
  return out;
}

function issueKey(issue: z.core.$ZodIssue): string {
  if (issue.message && /^[a-z]+(\.[A-Za-z0-9_]+)+$/.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'too_small':
      return (issue as any).minimum === 1 && (issue as any).origin === 'string' ? 'errors.required' : 'errors.tooSmall';
    case 'too_big':
      return (issue as any).origin === 'string' ? 'errors.tooLong' : 'errors.tooBig';
    case 'invalid_type':
      return (issue as any).input === undefined ? 'errors.required' : 'errors.invalid';
    case 'invalid_value':
      return 'errors.invalidChoice';
    default:
      return 'errors.invalid';
  }
}

/** Parses a form body with a schema; throws a FormError with field errors on failure. */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body ?? {});
  if (!r.success) throw new FormError(fieldErrors(r.error));
  return r.data;
}

/** Parses a query string leniently: invalid parts fall back to the schema's defaults. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.infer<S> {
  const r = schema.safeParse(query ?? {});
  if (r.success) return r.data;
  const cleaned: Record<string, unknown> = { ...(query as object) };
  for (const issue of r.error.issues) if (issue.path.length) delete cleaned[String(issue.path[0])];
  const r2 = schema.safeParse(cleaned);
  return r2.success ? r2.data : schema.parse({});
}

/** The values a user typed, to put back into a re-rendered form (never passwords). */
export function keptValues(body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body)) {
      if (k === '_csrf' || /password/i.test(k)) continue;
      out[k] = v;
    }
  }
  return out;
}
