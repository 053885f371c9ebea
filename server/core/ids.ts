import { z } from 'zod';
import { notFound } from './errors.ts';

const idSchema = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** Parses a route id; anything that is not a positive integer is a 404, never a 500. */
export function parseId(value: unknown): number {
  const r = idSchema.safeParse(value);
  if (!r.success) throw notFound();
  return r.data;
}
