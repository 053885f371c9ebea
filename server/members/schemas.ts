import { z } from 'zod';
import { GENDERS, MEMBER_STATUSES } from '../../db/schema.ts';
import { checkbox, many, optionalId, optionalInt, optionalPhone, optionalText, text } from '../core/zod.ts';

export const MIN_BIRTH_YEAR = 1900;
export const maxBirthYear = () => new Date().getUTCFullYear();

export const memberFormSchema = z.object({
  fullName: text(150),
  nameLatin: optionalText(150),
  unitId: optionalId.refine((v) => v !== null, 'members.errors.unit'),
  gender: z.enum(GENDERS, 'members.errors.gender'),
  birthYear: optionalInt(MIN_BIRTH_YEAR, 9999).refine(
    (v) => v === null || v <= maxBirthYear(),
    'members.errors.birthYear',
  ),
  phone: optionalPhone,
  isExecutive: checkbox,
  status: z.enum(MEMBER_STATUSES, 'errors.invalidChoice').default('active'),
  notes: optionalText(2000),
  councilIds: many(
    z
      .string()
      .regex(/^\d{1,12}$/, 'errors.invalidChoice')
      .transform(Number),
  ),
});
export type MemberForm = z.infer<typeof memberFormSchema>;

const optionalQueryId = z
  .string()
  .optional()
  .transform((v) => (v && /^\d{1,12}$/.test(v) ? Number(v) : null));

export const SORTS = ['name', 'unit', 'birthYear', 'created'] as const;

export const membersQuery = z.object({
  q: z.string().trim().max(100).default(''),
  unit: optionalQueryId,
  council: optionalQueryId,
  gender: z.enum(['', 'f', 'm']).default(''),
  exec: z.enum(['', 'yes', 'no']).default(''),
  status: z.enum(['active', 'inactive', 'all']).default('active'),
  sort: z.enum(SORTS).default('name'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  page: z.coerce.number().int().min(1).max(100000).default(1),
});
export type MembersQuery = z.infer<typeof membersQuery>;

export const confirmSchema = z.object({
  token: z.string().regex(/^[A-Za-z0-9_-]{10,64}$/, 'members.import.errors.expired'),
});
