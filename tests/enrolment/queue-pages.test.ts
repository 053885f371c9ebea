/**
 * The nomination queue (/nominations) and the roster, paged: what each viewer's list holds, in
 * which order, its count, every row on exactly one page, and the kept filter selects showing
 * each viewer their own selection, scope and language (server/enrolments/repository.ts `list`).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type * as s from '../../db/schema.ts';
import { QUEUE_PAGE_SIZE, ROSTER_PAGE_SIZE } from '../../server/enrolments/service.ts';
import { makeMember, makeOrg, makeUser } from '../factories.ts';
import { Client, createTestApp, type TestApp, textOf } from '../helpers.ts';
import { makeActivity, makeEnrolment } from './factories.ts';

let t: TestApp;
let org: Awaited<ReturnType<typeof makeOrg>>;
beforeEach(async () => {
  t = await createTestApp();
  org = await makeOrg(t.db);
});
afterEach(() => t.close());

const signedIn = async (who: string) => {
  const c = new Client(t.app);
  await c.login(who);
  return c;
};

/** the enrolments a list page shows, top to bottom (each row links to its enrolment) */
const idsOn = (html: string) => {
  const table = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...table.matchAll(/href="\/enrolments\/(\d+)"/g)].map((m) => Number(m[1]));
};

/** every page of a list, following the pager's "next" link */
async function allPages(c: Client, first: string) {
  const pages: number[][] = [];
  let url: string | null = first;
  while (url) {
    const html: string = (await c.get(url)).body;
    pages.push(idsOn(html));
    const next: RegExpExecArray | null = /<a href="([^"]+)" rel="next">/.exec(html);
    // the pager's links are the page's own address with another query ("?page=2")
    url = next ? first.split('?')[0] + next[1].replaceAll('&amp;', '&') : null;
    expect(pages.length).toBeLessThan(20);
  }
  return pages;
}

/** the options of the select named `name`: value, label, selected */
function optionsOf(html: string, name: string) {
  const select = new RegExp(`<select[^>]*name="${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html);
  if (!select) throw new Error(`no select ${name}`);
  return [...select[1].matchAll(/<option value="([^"]*)"( selected)?>([^<]*)<\/option>/g)].map((m) => ({
    value: m[1],
    selected: !!m[2],
    label: m[3],
  }));
}

function nominate(
  activityId: number,
  unitId: number,
  opts: { byUserId?: number | null; status?: s.EnrolmentStatus; source?: 'nomination' | 'self' } = {},
) {
  const m = makeMember(t.db, { unitId });
  return makeEnrolment(t.db, {
    activityId,
    memberId: m.id,
    source: opts.source ?? 'nomination',
    status: opts.status ?? 'nominated',
    nominatedByUnitId: opts.source === 'self' ? null : unitId,
    nominatedByUserId: opts.byUserId ?? null,
  }).id;
}

describe("a coordinator's nominations", () => {
  it("lists its subtree's units' nominations and its own, newest first, every one on exactly one page, with the count", async () => {
    const { raqqa, karama, tabqa, mansoura } = org.units;
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const other = await makeUser(t.db, {
      username: 'karamacoord',
      roles: [{ role: 'coordinator', unitId: karama.id }],
    });
    const mine: number[] = [];
    for (let i = 0; i < 40; i++) mine.push(nominate(a.id, karama.id, { byUserId: other.id }));
    for (let i = 0; i < 15; i++)
      mine.push(
        nominate(a.id, raqqa.id, { byUserId: org.users.coordinator.id, status: i % 2 ? 'approved' : 'rejected' }),
      );
    // made by this coordinator for a unit no longer in its scope: still its own
    mine.push(nominate(a.id, tabqa.id, { byUserId: org.users.coordinator.id }));
    // another city's nominations and self-enrolments in its own units are not its nominations
    const tabqaCoord = await makeUser(t.db, {
      username: 'tabqacoord',
      roles: [{ role: 'coordinator', unitId: tabqa.id }],
    });
    for (let i = 0; i < 5; i++) nominate(a.id, mansoura.id, { byUserId: tabqaCoord.id });
    for (let i = 0; i < 5; i++) nominate(a.id, karama.id, { source: 'self', status: 'pending' });

    const c = await signedIn('coordinator');
    const first = (await c.get('/nominations')).body;
    expect(textOf(first)).toContain(`المجموع: ${mine.length}`);
    expect(textOf(first)).toContain('صفحة 1 من 2');
    const pages = await allPages(c, '/nominations');
    expect(pages.map((p) => p.length)).toEqual([QUEUE_PAGE_SIZE, mine.length - QUEUE_PAGE_SIZE]);
    expect(pages.flat()).toEqual([...mine].sort((x, y) => y - x));

    // narrowed to one status and to a unit of its subtree
    const approved = (await c.get('/nominations?status=approved')).body;
    expect(idsOn(approved)).toHaveLength(7);
    expect(textOf(approved)).toContain('المجموع: 7');
    const inKarama = (await c.get(`/nominations?unit=${karama.id}`)).body;
    expect(textOf(inKarama)).toContain('المجموع: 40');
    // its unit filter offers its own subtree only
    expect(optionsOf(first, 'unit').map((o) => o.label)).toEqual(['الكل', 'مجلس مدينة الرقة', 'مجلس ناحية الكرامة']);
  });
});

describe("the office's queue", () => {
  it('waits oldest first across pages, narrows to a unit subtree and a status, counts each', async () => {
    const { raqqa, karama, tabqa } = org.units;
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    const waiting: number[] = [];
    const inRaqqa: number[] = [];
    for (let i = 0; i < 56; i++) {
      const unit = [karama, tabqa, raqqa][i % 3];
      const id = nominate(a.id, unit.id, i % 4 === 0 ? { source: 'self', status: 'pending' } : {});
      waiting.push(id);
      if (unit !== tabqa) inRaqqa.push(id);
    }
    const seated: number[] = [];
    for (const status of ['approved', 'completed', 'not_completed', 'approved'] as const)
      seated.push(nominate(a.id, karama.id, { status }));
    nominate(a.id, karama.id, { status: 'waitlisted' });
    nominate(a.id, karama.id, { status: 'withdrawn' });

    const office = await signedIn('office');
    const first = (await office.get('/nominations')).body;
    expect(textOf(first)).toContain(`المجموع: ${waiting.length}`);
    const pages = await allPages(office, '/nominations');
    expect(pages.map((p) => p.length)).toEqual([QUEUE_PAGE_SIZE, waiting.length - QUEUE_PAGE_SIZE]);
    expect(pages.flat()).toEqual(waiting);

    // the members' units of the Raqqa subtree (the city and its district), not Tabqa's
    const byUnit = await allPages(office, `/nominations?unit=${raqqa.id}`);
    expect(byUnit.flat()).toEqual(inRaqqa);
    expect(textOf((await office.get(`/nominations?unit=${raqqa.id}`)).body)).toContain(`المجموع: ${inRaqqa.length}`);

    // the seated, a broad group, newest first
    const approved = (await office.get('/nominations?status=approved')).body;
    expect(idsOn(approved)).toEqual([...seated].reverse());
    expect(textOf(approved)).toContain('المجموع: 4');
    expect(textOf((await office.get('/nominations?status=all')).body)).toContain(`المجموع: ${waiting.length + 6}`);
  });

  it("keeps the rendered filters but shows each viewer's own selection, units and language, and a new activity at once", async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة أولى' });
    const b = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة ثانية' });
    const office = await signedIn('office');
    const coordinator = await signedIn('coordinator');

    const plain = (await office.get('/nominations')).body;
    expect(optionsOf(plain, 'activity').find((o) => o.selected)?.value).toBe('');
    const chosen = (await office.get(`/nominations?activity=${b.id}`)).body;
    expect(optionsOf(chosen, 'activity').find((o) => o.selected)?.value).toBe(String(b.id));
    expect(
      optionsOf((await office.get(`/nominations?activity=${a.id}`)).body, 'activity').find((o) => o.selected)?.value,
    ).toBe(String(a.id));
    expect(optionsOf((await office.get('/nominations')).body, 'activity').find((o) => o.selected)?.value).toBe('');

    // the same activities for the coordinator, but only its units
    const theirs = (await coordinator.get(`/nominations?unit=${org.units.karama.id}`)).body;
    expect(optionsOf(theirs, 'activity').map((o) => o.label)).toEqual(optionsOf(plain, 'activity').map((o) => o.label));
    expect(optionsOf(theirs, 'unit').map((o) => o.label)).not.toContain('مجلس مدينة الطبقة');
    expect(optionsOf(theirs, 'unit').find((o) => o.selected)?.value).toBe(String(org.units.karama.id));
    expect(optionsOf(plain, 'unit').map((o) => o.label)).toContain('مجلس مدينة الطبقة');

    await office.post('/lang/en', { next: '/nominations' });
    const english = (await office.get('/nominations')).body;
    expect(optionsOf(english, 'unit').map((o) => o.label)).toContain('Tabqa');
    expect(optionsOf(english, 'activity')[0].label).toBe('All');
    expect(optionsOf((await coordinator.get('/nominations')).body, 'unit')[0].label).toBe('الكل');

    const c = makeActivity(t.db, { organisingUnitId: org.units.centre.id, title: 'دورة ثالثة' });
    expect(optionsOf((await office.get('/nominations')).body, 'activity').map((o) => o.value)).toContain(String(c.id));
  });
});

describe('a roster of members with the same name', () => {
  it('puts every member on exactly one page', async () => {
    const a = makeActivity(t.db, { organisingUnitId: org.units.raqqa.id });
    const ids: number[] = [];
    for (let i = 0; i < ROSTER_PAGE_SIZE + 20; i++) {
      const m = makeMember(t.db, { unitId: org.units.karama.id, fullName: 'محمد أحمد' });
      ids.push(makeEnrolment(t.db, { activityId: a.id, memberId: m.id }).id);
    }
    const c = await signedIn('coordinator');
    const pages = await allPages(c, `/activities/${a.id}/roster`);
    expect(pages.map((p) => p.length)).toEqual([ROSTER_PAGE_SIZE, 20]);
    expect(pages.flat().sort((x, y) => x - y)).toEqual(ids);
  });
});

describe('the "select all" switch', () => {
  it('takes its label from the translations, in the viewer’s language', async () => {
    const office = await signedIn('office');
    const activity = makeActivity(t.db, { organisingUnitId: org.units.centre.id });
    makeEnrolment(t.db, {
      activityId: activity.id,
      memberId: makeMember(t.db, { unitId: org.units.karama.id }).id,
      status: 'nominated',
    });
    expect((await office.get('/nominations')).body).toContain('class="queue-form" data-select-all="تحديد الكل"');
    await office.post('/lang/en', { next: '/nominations' });
    expect((await office.get('/nominations')).body).toContain('class="queue-form" data-select-all="Select all"');
    expect((await office.get(`/activities/${activity.id}/nominate`)).body).toContain('data-select-all="Select all"');
  });
});
