import { z } from 'zod';

export const loginSchema = z.object({
  login: z.string().trim().min(1).max(100),
  password: z.string().min(1).max(200),
  next: z.string().max(500).optional(),
});

export const newPasswordSchema = z
  .object({
    password: z.string().min(10, 'errors.passwordTooShort').max(200),
    confirm: z.string().max(200),
  })
  .refine((d) => d.password === d.confirm, { message: 'errors.passwordMismatch', path: ['confirm'] });

export const changePasswordSchema = z
  .object({
    current: z.string().min(1).max(200),
    password: z.string().min(10, 'errors.passwordTooShort').max(200),
    confirm: z.string().max(200),
  })
  .refine((d) => d.password === d.confirm, { message: 'errors.passwordMismatch', path: ['confirm'] });

export const langParams = z.object({ lang: z.enum(['ar', 'en']) });

/** Only same-site paths are followed after login or a language switch. */
export function safeNext(next: string | undefined | null, fallback = '/'): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return fallback;
  return next;
}
