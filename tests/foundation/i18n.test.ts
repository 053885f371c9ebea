import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { I18N_DIR, loadDictionaries, translate } from '../../server/core/i18n.ts';
import { dateFormatter, monthRange, parseLocalDateTime, zonedParts } from '../../server/core/time.ts';

const root = path.resolve(I18N_DIR, '../..');
function walk(dir: string, ext: string[]): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p, ext);
    return ext.some((x) => p.endsWith(x)) ? [p] : [];
  });
}

describe('translations', () => {
  const dicts = loadDictionaries();

  it('has the same keys in Arabic and English', () => {
    const ar = Object.keys(dicts.ar).sort();
    const en = Object.keys(dicts.en).sort();
    expect(ar.filter((k) => !(k in dicts.en))).toEqual([]);
    expect(en.filter((k) => !(k in dicts.ar))).toEqual([]);
  });

  it('has no empty strings and the same placeholders in both languages', () => {
    for (const [k, v] of Object.entries(dicts.ar)) {
      expect(v.trim(), k).not.toBe('');
      const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join();
      expect(ph(dicts.en[k] ?? ''), k).toBe(ph(v));
    }
  });

  it('defines every key the code and templates use', () => {
    const files = [...walk(path.join(root, 'server'), ['.ts']), ...walk(path.join(root, 'views'), ['.eta'])];
    const used = new Set<string>();
    // t('x.y'), label: 'x.y', error keys 'feature.errors.z' in code
    const patterns = [
      /\bt\(\s*'([a-zA-Z0-9_.]+)'/g,
      /\b(?:label|hint|messageKey|flash|key): '([a-zA-Z0-9_.]+)'/g,
      /'((?:errors|[a-z]+\.errors)\.[a-zA-Z0-9_]+)'/g,
      /redirectWith\([^,]+, '([a-zA-Z0-9_.]+)'\)/g,
    ];
    for (const f of files) {
      const src = fs.readFileSync(f, 'utf8');
      for (const re of patterns)
        for (const m of src.matchAll(re)) if (m[1].includes('.') && !m[1].endsWith('.')) used.add(m[1]);
    }
    const missing = [...used].filter((k) => !(k in dicts.ar) || !(k in dicts.en));
    expect(missing).toEqual([]);
    expect(used.size).toBeGreaterThan(50);
  });
});

describe('translate', () => {
  it('fills each placeholder, keeps one without a value, and shows a missing key as itself', () => {
    expect(translate('ar', 'dashboard.markedOf', { marked: 3, enrolled: 10 })).toBe('سُجّل 3 من 10');
    expect(translate('en', 'dashboard.markedOf', { marked: 0, enrolled: 1 })).toBe('0 of 1 marked');
    expect(translate('en', 'dashboard.markedOf', { marked: 2 })).toBe('2 of {enrolled} marked');
    expect(translate('en', 'dashboard.markedOf')).toBe('{marked} of {enrolled} marked');
    expect(translate('en', 'no.such.key', { n: 1 })).toBe('no.such.key');
    // a value that looks like a placeholder is put in as it is
    expect(translate('en', 'followup.pendingToDecide', { count: '{count}' })).toBe(
      '{count} apologies wait for your decision',
    );
  });
});

describe('dates as the minutes write them', () => {
  const d = new Date(Date.UTC(2020, 10, 24, 9, 30)); // 24 Nov 2020, 11:30 in Damascus
  it('uses Levantine month names and Latin digits in Arabic', () => {
    const f = dateFormatter('ar', 'Asia/Damascus');
    expect(f.date(d)).toBe('24 تشرين الثاني 2020');
    expect(f.time(d)).toBe('11:30');
    expect(f.minutesDate(new Date(Date.UTC(2020, 11, 7, 8)))).toBe('7 – 12 – 2020');
  });
  it('formats every instant as Intl does, however many were formatted before (each text is kept)', () => {
    const f = dateFormatter('ar', 'Asia/Damascus');
    const intl = new Intl.DateTimeFormat('ar-SY-u-nu-latn', {
      timeZone: 'Asia/Damascus',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    // more instants than are kept, twice, and the first again: each must be its own time
    for (const round of [0, 1]) {
      for (let i = 0; i < 2500; i += 1 + round) {
        const at = new Date(d.getTime() + i * 60_000);
        expect(f.time(at)).toBe(intl.format(at));
      }
    }
    expect(f.time(d)).toBe('11:30');
    expect(f.time(d.getTime() + 60_000)).toBe('11:31');
  });
  it('uses English month names in English', () => {
    expect(dateFormatter('en', 'Asia/Damascus').date(d)).toBe('24 November 2020');
  });
  it('converts wall-clock time in the organisation zone to UTC and back', () => {
    const utc = parseLocalDateTime('2020-11-24', '11:30', 'Asia/Damascus')!;
    expect(utc.toISOString()).toBe('2020-11-24T09:30:00.000Z');
    expect(zonedParts(utc, 'Asia/Damascus').hour).toBe(11);
    expect(parseLocalDateTime('2020-02-30', '10:00', 'Asia/Damascus')).toBeNull();
    expect(parseLocalDateTime('2020-11-24', '25:00', 'Asia/Damascus')).toBeNull();
  });
  it('gives month ranges in the zone', () => {
    const r = monthRange('2020-11', 'Asia/Damascus')!;
    expect(r.from.toISOString()).toBe('2020-10-31T22:00:00.000Z');
    expect(r.to.toISOString()).toBe('2020-11-30T22:00:00.000Z');
  });
});
