import { describe, expect, it } from 'vitest';
import { parseRosterForm } from '../../server/attendance/schemas.ts';
import { FormError } from '../../server/core/errors.ts';

const errorsOf = (body: Record<string, unknown>) => {
  try {
    parseRosterForm(body);
  } catch (err) {
    if (err instanceof FormError) return err.fieldErrors;
    throw err;
  }
  return null;
};

describe('the roster form', () => {
  it('reads s_<id> and n_<id> fields and nothing else', () => {
    const form = parseRosterForm({
      _csrf: 'x',
      activityId: '7',
      s_12: 'present',
      n_12: '  late bus  ',
      s_007: 'late',
      n_8: '',
      s_9: '',
      s_: 'present',
      s_0: 'present',
      x_5: 'present',
      s_1a: 'present',
      s_1234567890123456: 'present',
      sn_3: 'present',
      allPresent: '1',
    });
    expect(form.activityId).toBe(7);
    expect(form.allPresent).toBe(true);
    expect(form.entries).toEqual([
      { memberId: 12, status: 'present', note: 'late bus' },
      { memberId: 7, status: 'late' },
      { memberId: 8, note: null },
    ]);
  });

  it('takes the last of repeated values and refuses unknown statuses, long notes and non-text values', () => {
    expect(parseRosterForm({ s_3: ['absent', 'excused'] }).entries).toEqual([{ memberId: 3, status: 'excused' }]);
    expect(errorsOf({ s_3: 'here', n_4: 'x'.repeat(301), s_5: { a: 1 } })).toEqual({
      s_3: 'attendance.errors.unknownStatus',
      n_4: 'errors.tooLong',
      s_5: 'errors.invalid',
    });
    expect(errorsOf({ activityId: 'abc' })).toEqual({ _form: 'attendance.errors.otherActivity' });
  });
});
