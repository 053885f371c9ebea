// what @fastify/formbody parses other forms with: the roster's own reader must give the same
import { parse as formbodyParse } from 'fast-querystring';
import { describe, expect, it } from 'vitest';
import { parseRosterForm, readRosterBody, rosterFields, sentStatusIds } from '../../server/attendance/schemas.ts';
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

  describe("the roster POST's own body reader", () => {
    const bodies = [
      '_csrf=tok-1_2&activityId=7&s_12=present&n_12=late+bus&s_13=absent&n_13=&reason=',
      // Arabic notes, escapes in names, repeated fields, empty pairs, a bad escape, odd names
      `s_5=excused&n_5=${encodeURIComponent('مريض، أحضر ورقة الطبيب')}&s%5F6=late&n_6=a%2Bb+c&&s_5=absent&=x&y&reason=${encodeURIComponent('سبب  التعديل')}`,
      's_1=present&s_1=late&n_2=100%&s_3=%E0%A4%A&allPresent=1&allPresent=2&x=1&x=2&x=3&s_007=present&s_0=present',
      `n_9=&s_9=&s_10=here&n_11=${'x'.repeat(301)}&s_1234567890123456=present&sn_3=present&s_=late`,
      '',
      '&&&',
      '__proto__=x&toString=1&toString=2&constructor=c&s_4=present',
    ];
    const outcome = (body: unknown) => {
      try {
        const form = parseRosterForm(body);
        return { ...form, entries: [...form.entries].sort((a, b) => a.memberId - b.memberId) };
      } catch (err) {
        if (err instanceof FormError) return { errors: err.fieldErrors };
        throw err;
      }
    };
    const byName = (o: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

    it.each(bodies)('reads %j as formbody would', (text) => {
      const general = formbodyParse(text) as Record<string, unknown>;
      const own = readRosterBody(text);
      expect(outcome(own)).toEqual(outcome(general));
      // fields kept for a refused form: the same names and values (the last of a repeated mark)
      const flat = Object.fromEntries(
        Object.entries(general).map(([k, v]) => [k, /^[sn]_\d/.test(k) && Array.isArray(v) ? v.at(-1) : v]),
      );
      const kept = rosterFields(own);
      // (a mark's name comes back without leading zeros: s_007 is s_7)
      for (const [k, v] of Object.entries(flat)) if (!/^[sn]_0\d/.test(k)) expect(kept[k], k).toEqual(v);
      // the other fields are the body's own properties (the CSRF check reads `_csrf` there)
      for (const [k, v] of Object.entries(byName(own))) expect(general[k], k).toEqual(v);
      expect(own._csrf).toBe(general._csrf);
    });

    it('gives the members a status was sent for, and a refused form its fields by name', () => {
      const own = readRosterBody('s_4=present&n_4=x&n_5=y&s_6=&activityId=2');
      expect(sentStatusIds(own)).toEqual([4, 6]);
      expect(rosterFields(own)).toEqual({ activityId: '2', s_4: 'present', n_4: 'x', n_5: 'y', s_6: '' });
      expect(sentStatusIds({ s_4: 'present', n_5: 'y' })).toEqual([4]);
    });
  });
});
