/**
 * The follow-up list of inactive units depends on the data and the period only (a unit with a
 * session in the period, held or to come, is active; the last session is the last before the
 * period's end), not on the clock: it is kept across a change of minute (for the cache's 60 s
 * at most, core/cache.ts) and computed again when the data changes. The lists that depend on `now` (sessions started by then) follow the minute.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ReportsRepository } from '../../server/reports/repository.ts';
import { makeOrg } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { activity, at, novemberData, session } from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
let office: Client;
const NOV = 'from=2020-11-01&to=2020-11-30';

beforeAll(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
  novemberData(t.db, org);
  office = new Client(t.app);
  await office.login('office');
});
afterAll(() => t.close());
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const units = (html: string) =>
  (html.match(/<tbody>[\s\S]*?<\/tbody>/)?.[0].match(/<tr[\s\S]*?<\/tr>/g) ?? [])
    .map((r) => textOf(r).split(' ').slice(0, 3).join(' '))
    .sort();

describe('the inactive units kept', () => {
  it('is kept past the minute and computed again when the data changes', async () => {
    const active = vi.spyOn(ReportsRepository.prototype, 'activeUnits');
    vi.useFakeTimers({ toFake: ['Date'] });
    // a second before a minute ends, then half a second into the next (within the cache's minute)
    const minuteEnd = Math.ceil(Date.now() / 60_000) * 60_000 + 60_000;
    vi.setSystemTime(minuteEnd - 1000);
    const before = units((await office.get(`/reports/follow-up?list=inactive&${NOV}`)).body);
    expect(before).toEqual(['المركز العام المركز', 'مجلس مدينة الطبقة', 'مجلس ناحية الكرامة'].sort());
    expect(active).toHaveBeenCalledTimes(1);

    vi.setSystemTime(minuteEnd + 500);
    expect(units((await office.get(`/reports/follow-up?list=inactive&${NOV}`)).body)).toEqual(before);
    expect(active).toHaveBeenCalledTimes(1);

    // Karama organises a session in November: no longer inactive
    session(t.db, activity(t.db, { organisingUnitId: org.units.karama.id }).id, at(2020, 11, 12));
    const after = units((await office.get(`/reports/follow-up?list=inactive&${NOV}`)).body);
    expect(after).toEqual(['المركز العام المركز', 'مجلس مدينة الطبقة'].sort());
    expect(active).toHaveBeenCalledTimes(2);
  });

  it('computes the lists that depend on the clock again in the next minute', async () => {
    const never = vi.spyOn(ReportsRepository.prototype, 'neverAttended');
    vi.useFakeTimers({ toFake: ['Date'] });
    const minuteEnd = Math.ceil(Date.now() / 60_000) * 60_000 + 60_000;
    vi.setSystemTime(minuteEnd - 1000);
    await office.get(`/reports/follow-up?list=never&${NOV}`);
    await office.get(`/reports/follow-up?list=never&${NOV}`);
    expect(never).toHaveBeenCalledTimes(1);
    vi.setSystemTime(minuteEnd + 500);
    await office.get(`/reports/follow-up?list=never&${NOV}`);
    expect(never).toHaveBeenCalledTimes(2);
  });
});
