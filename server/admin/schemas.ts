import { z } from 'zod';
import { checkbox, optionalId, optionalPhone, optionalText } from '../core/zod.ts';

export const userFormSchema = z.object({
  username: z
    .string()
    .trim()
    .min(3, 'admin.errors.usernameShort')
    .max(40)
    .regex(/^[a-z0-9._-]+$/i, 'admin.errors.usernameChars')
    .transform((v) => v.toLowerCase()),
  displayName: z.string().trim().min(1).max(120),
  phone: optionalPhone,
  email: optionalText(200).pipe(z.email('errors.email').nullable()),
  memberId: optionalId,
  roleAdmin: checkbox,
  roleOffice: checkbox,
  roleTrainer: checkbox,
  roleMember: checkbox,
  coordinatorUnitId: optionalId,
});
export type UserForm = z.infer<typeof userFormSchema>;

export const usersQuery = z.object({
  q: z.string().trim().max(100).default(''),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  status: z.enum(['all', 'active', 'inactive']).default('all'),
});

export const auditQuery = z.object({
  entity: z.string().trim().max(40).default(''),
  action: z.string().trim().max(60).default(''),
  page: z.coerce.number().int().min(1).max(100000).default(1),
});

export const newUserQuery = z.object({
  memberId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
});
