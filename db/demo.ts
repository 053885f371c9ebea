/**
 * Demo data drawn from the executive body's minutes (7 – 12 – 2020): the general
 * centre, cities and districts, the Women's and Youth Councils, members, trainers,
 * and "الدورة التدريبية الأولى باسم الشهيدة ناديا الخشان" with 22 participants
 * nominated by executive bodies of districts, cities and the centre.
 * Loaded by `npm start` only into a new database (no users yet), never with TAAHIL_DEMO=off.
 */
import { sql } from 'drizzle-orm';
import { hashPassword } from '../server/auth/passwords.ts';
import { randomString } from '../server/auth/tokens.ts';
import { newCardToken } from '../server/cards/codes.ts';
import { computeProgress, decideCompletion, ruleOf } from '../server/completion/rules.ts';
import { normalizeArabic } from '../server/core/arabic.ts';
import type { Db } from '../server/core/db.ts';
import { startOfDay, zonedParts, zonedToUtc } from '../server/core/time.ts';
import * as s from './schema.ts';

export const DEMO_PASSWORD = 'taahil-demo';

export interface DemoLogins {
  password: string;
  users: { username: string; role: string }[];
}

const FIRST_F = [
  'هيفاء',
  'سلمى',
  'نسرين',
  'روجين',
  'ليلى',
  'آمنة',
  'فاطمة',
  'زينب',
  'هدى',
  'رنا',
  'جيهان',
  'سوزان',
  'ناديا',
  'بيريفان',
  'دلال',
  'خديجة',
];
const FIRST_M = [
  'أحمد',
  'محمد',
  'خالد',
  'عبد الله',
  'إبراهيم',
  'حسن',
  'علي',
  'عمر',
  'يوسف',
  'مصطفى',
  'فراس',
  'جوان',
  'سليمان',
  'محمود',
  'عيسى',
  'ريزان',
];
const LAST = [
  'الأحمد',
  'العلي',
  'الحسن',
  'الخلف',
  'الحسين',
  'العبد الله',
  'الإبراهيم',
  'المحمد',
  'الخضر',
  'الشيخ',
  'العيسى',
  'الجاسم',
  'الحمود',
  'الصالح',
  'الموسى',
  'الكردي',
];

/** A tiny deterministic generator so the demo is the same on every machine. */
function rng(seed: number) {
  let x = seed >>> 0;
  return () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** Loads the demo into an empty database. Returns the logins, or null when the database already has users. */
export async function seedDemo(db: Db, opts: { tz: string; now?: Date }): Promise<DemoLogins | null> {
  const hasUsers = db.select({ n: sql<number>`count(*)` }).from(s.users).get()!.n > 0;
  if (hasUsers) return null;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const now = opts.now ?? new Date();
  const tz = opts.tz;
  const rand = rng(20201207);

  db.$client.transaction(() => {
    // ------------------------------------------------------------------ units
    const unit = (parentId: number | null, kind: s.UnitKind, nameAr: string, nameEn: string, parentPath = '/') => {
      const id = db.insert(s.units).values({ parentId, kind, nameAr, nameEn, path: '' }).returning().get().id;
      const path = `${parentPath}${id}/`;
      db.update(s.units).set({ path }).where(sql`id = ${id}`).run();
      return { id, path };
    };
    const centre = unit(null, 'centre', 'المركز العام', 'General centre');
    const cityDefs: [string, string, [string, string][]][] = [
      [
        'مجلس مدينة الرقة',
        'Raqqa city council',
        [
          ['مجلس ناحية الكرامة', 'Karama district council'],
          ['مجلس ناحية السبخة', 'Sabkha district council'],
        ],
      ],
      [
        'مجلس مدينة الطبقة',
        'Tabqa city council',
        [
          ['مجلس ناحية المنصورة', 'Mansoura district council'],
          ['مجلس ناحية الجرنية', 'Jurneyyeh district council'],
        ],
      ],
      [
        'مجلس مدينة الحسكة',
        'Hasakah city council',
        [
          ['مجلس ناحية الدرباسية', 'Darbasiyah district council'],
          ['مجلس ناحية تل تمر', 'Tel Tamer district council'],
        ],
      ],
      ['مجلس مدينة منبج', 'Manbij city council', [['مجلس ناحية أبو قلقل', 'Abu Qalqal district council']]],
    ];
    const cities: { id: number; path: string; districts: { id: number; path: string }[] }[] = [];
    for (const [ar, en, ds] of cityDefs) {
      const c = unit(centre.id, 'city', ar, en, centre.path);
      cities.push({ ...c, districts: ds.map(([dar, den]) => unit(c.id, 'district', dar, den, c.path)) });
    }
    const raqqa = cities[0];
    const allUnits = [centre, ...cities.flatMap((c) => [c, ...c.districts])];

    // --------------------------------------------------------------- councils
    const women = db
      .insert(s.councils)
      .values({
        nameAr: 'مجلس المرأة',
        nameEn: "Women's Council",
        kind: 'women',
        description: 'تأسس في مدينة الطبقة بتاريخ 24 – 11 – 2020 ويضم 37 عضوة من كافة المناطق.',
      })
      .returning()
      .get().id;
    const youth = db
      .insert(s.councils)
      .values({
        nameAr: 'مجلس الشباب',
        nameEn: 'Youth Council',
        kind: 'youth',
        description: 'تأسس في مدينة الرقة بتاريخ 25 – 11 – 2020.',
      })
      .returning()
      .get().id;

    // ---------------------------------------------------------------- members
    const memberIds: { id: number; unitId: number; isExecutive: boolean; gender: 'f' | 'm' }[] = [];
    let phoneSeq = 944100000;
    const addMember = (unitId: number, gender: 'f' | 'm', isExecutive: boolean, fixedName?: string) => {
      const first =
        gender === 'f' ? FIRST_F[Math.floor(rand() * FIRST_F.length)] : FIRST_M[Math.floor(rand() * FIRST_M.length)];
      const fullName = fixedName ?? `${first} ${LAST[Math.floor(rand() * LAST.length)]}`;
      const birthYear = 1965 + Math.floor(rand() * 40);
      const id = db
        .insert(s.members)
        .values({
          fullName,
          nameSearch: normalizeArabic(fullName),
          unitId,
          gender,
          birthYear,
          phone: `+963${phoneSeq++}`,
          isExecutive,
          status: 'active',
        })
        .returning()
        .get().id;
      if (gender === 'f' && rand() < 0.4) db.insert(s.memberCouncils).values({ memberId: id, councilId: women }).run();
      if (birthYear >= 1995 && rand() < 0.6)
        db.insert(s.memberCouncils).values({ memberId: id, councilId: youth }).run();
      memberIds.push({ id, unitId, isExecutive, gender });
      return id;
    };
    // executive-body members of every unit (the course's 22 come from these) and ordinary members
    for (const u of allUnits) {
      for (let i = 0; i < 3; i++) addMember(u.id, i % 2 === 0 ? 'f' : 'm', true);
      for (let i = 0; i < 5; i++) addMember(u.id, rand() < 0.45 ? 'f' : 'm', false);
    }
    const memberSelf = addMember(raqqa.districts[0].id, 'f', false, 'سلمى الخلف');
    const trainerMember = addMember(centre.id, 'f', true, 'ليلى العيسى');

    // ------------------------------------------------------------------ users
    const user = (
      username: string,
      displayName: string,
      roles: { role: s.Role; unitId?: number }[],
      memberId?: number,
    ) => {
      const id = db
        .insert(s.users)
        .values({ username, displayName, passwordHash, memberId: memberId ?? null })
        .returning()
        .get().id;
      for (const r of roles)
        db.insert(s.userRoles)
          .values({ userId: id, role: r.role, unitId: r.unitId ?? null })
          .run();
      return id;
    };
    user('admin', 'مدير النظام', [{ role: 'admin' }]);
    const office = user('office', 'مكتب التأهيل', [{ role: 'office' }]);
    user('coordinator', 'الهيئة التنفيذية — الرقة', [{ role: 'coordinator', unitId: raqqa.id }]);
    const trainer = user('trainer', 'ليلى العيسى (مدربة)', [{ role: 'trainer' }, { role: 'member' }], trainerMember);
    const trainer2 = user('trainer2', 'خالد الحسن (مدرب)', [{ role: 'trainer' }]);
    user('member', 'سلمى الخلف', [{ role: 'member' }], memberSelf);

    // ------------------------------------------------------------ programme
    const programme = db
      .insert(s.programmes)
      .values({
        title: 'برنامج التأهيل الفكري والتنظيمي',
        description: 'تأهيل وتدريب كل الرفيقات والرفاق الحزبيين من قيادة وأعضاء على مراحل.',
        organisingUnitId: centre.id,
        createdBy: office,
      })
      .returning()
      .get().id;
    const phase1 = db
      .insert(s.phases)
      .values({ programmeId: programme, position: 1, title: 'المرحلة الأولى: الكادر القيادي', requiresPrevious: false })
      .returning()
      .get().id;
    db.insert(s.phases)
      .values({
        programmeId: programme,
        position: 2,
        title: 'المرحلة الثانية: الأعضاء المنتسبون',
        requiresPrevious: true,
      })
      .run();

    // weekly sessions on Mondays at 17:00 for 8 weeks, started 4 weeks ago
    const today = startOfDay(now, tz);
    const p = zonedParts(today, tz);
    const daysBackToMonday = (p.weekday + 6) % 7;
    const firstMonday = startOfDay(today, tz, -daysBackToMonday - 28);
    const at = (dayStart: Date, hour: number) => {
      const q = zonedParts(dayStart, tz);
      return zonedToUtc(q.year, q.month, q.day, hour, 0, tz);
    };
    const course = db
      .insert(s.activities)
      .values({
        kind: 'course',
        title: 'الدورة التدريبية الأولى باسم الشهيدة ناديا الخشان',
        honoree: 'الشهيدة ناديا الخشان',
        seriesNumber: 1,
        description:
          'الدورة الأولى ضمن المرحلة الأولى من برنامج التأهيل، لأعضاء الهيئات التنفيذية في النواحي والمدن والمركز العام.',
        topics:
          'مبادئ الحزب وأهدافه\nالعمل التنظيمي وآلية اتخاذ القرارات\nالروح الرفاقية والعمل الجماعي\nالإعلام والتواصل',
        programmeId: programme,
        phaseId: phase1,
        organisingUnitId: centre.id,
        audienceKind: 'everyone',
        executiveOnly: true,
        location: 'المركز العام — قاعة التدريب',
        capacity: 25,
        selfEnrol: false,
        enrolOpensAt: startOfDay(firstMonday, tz, -21),
        enrolClosesAt: startOfDay(firstMonday, tz, -1),
        status: 'running',
        minAttendancePct: 75,
        recurrence: JSON.stringify({
          freq: 'weekly',
          interval: 1,
          weekdays: [1],
          startDate: '',
          count: 8,
          startTime: '17:00',
          endTime: '19:00',
          skipFridays: true,
          skipDates: [],
        }),
        createdBy: office,
      })
      .returning()
      .get().id;
    const courseSessions: { id: number; startsAt: Date }[] = [];
    const topics = [
      'مبادئ الحزب وأهدافه',
      'العمل التنظيمي',
      'آلية اتخاذ القرارات',
      'الروح الرفاقية والعمل الجماعي',
      'المرأة والشباب في الحياة المجتمعية',
      'الإعلام والتواصل',
      'التخطيط والمتابعة',
      'التقييم والختام',
    ];
    for (let w = 0; w < 8; w++) {
      const day = startOfDay(firstMonday, tz, w * 7);
      const startsAt = at(day, 17);
      const id = db
        .insert(s.sessions)
        .values({
          activityId: course,
          startsAt,
          endsAt: at(day, 19),
          topic: topics[w],
          trainerUserId: w % 3 === 2 ? trainer2 : trainer,
          place: 'المركز العام — قاعة التدريب',
          fromRule: true,
          checkinCode: `NK${String(w + 1).padStart(2, '0')}${Math.floor(rand() * 9000 + 1000)}`,
        })
        .returning()
        .get().id;
      courseSessions.push({ id, startsAt });
    }
    // 22 participants nominated by executive bodies of districts, cities and the centre
    const execs = memberIds.filter((m) => m.isExecutive && m.id !== trainerMember);
    const participants = execs.slice(0, 22);
    for (const m of participants) {
      const nominatingUnit = m.unitId;
      const e = db
        .insert(s.enrolments)
        .values({
          activityId: course,
          memberId: m.id,
          source: 'nomination',
          nominatedByUnitId: nominatingUnit,
          nominatedByUserId: office,
          status: 'approved',
        })
        .returning()
        .get().id;
      db.insert(s.enrolmentEvents)
        .values({
          enrolmentId: e,
          fromStatus: null,
          toStatus: 'nominated',
          byUserId: office,
          at: startOfDay(firstMonday, tz, -14),
        })
        .run();
      db.insert(s.enrolmentEvents)
        .values({
          enrolmentId: e,
          fromStatus: 'nominated',
          toStatus: 'approved',
          byUserId: office,
          at: startOfDay(firstMonday, tz, -7),
        })
        .run();
    }
    // attendance of the sessions already held
    for (const sess of courseSessions.filter((x) => x.startsAt < now)) {
      for (const m of participants) {
        const r = rand();
        const status: s.AttendanceStatus = r < 0.78 ? 'present' : r < 0.86 ? 'late' : r < 0.93 ? 'excused' : 'absent';
        const markedAt = new Date(sess.startsAt.getTime() + 20 * 60_000);
        db.insert(s.attendance)
          .values({ sessionId: sess.id, memberId: m.id, status, markedBy: trainer, markedAt })
          .run();
        db.insert(s.attendanceEvents)
          .values({
            sessionId: sess.id,
            memberId: m.id,
            fromStatus: null,
            toStatus: status,
            byUserId: trainer,
            at: markedAt,
          })
          .run();
      }
    }

    // a seminar open to every member of Raqqa's subtree, members enrol themselves
    const seminarDay = startOfDay(today, tz, 3);
    const seminar = db
      .insert(s.activities)
      .values({
        kind: 'seminar',
        title: 'ندوة: دور المرأة والشباب في الحياة المجتمعية',
        description: 'ندوة مفتوحة لكافة أعضاء مدينة الرقة ونواحيها.',
        organisingUnitId: raqqa.id,
        audienceKind: 'units',
        audienceUnitId: raqqa.id,
        location: 'مجلس مدينة الرقة',
        capacity: 40,
        selfEnrol: true,
        autoApprove: true,
        enrolOpensAt: startOfDay(today, tz, -7),
        enrolClosesAt: seminarDay,
        status: 'open',
        minAttendancePct: 100,
        createdBy: office,
      })
      .returning()
      .get().id;
    db.insert(s.sessions)
      .values({
        activityId: seminar,
        startsAt: at(seminarDay, 18),
        endsAt: at(seminarDay, 20),
        topic: 'دور المرأة والشباب',
        trainerUserId: trainer,
        place: 'مجلس مدينة الرقة',
        checkinCode: `SM${Math.floor(rand() * 900000 + 100000)}`,
      })
      .run();

    // a weekly training circle in Karama district, every Wednesday at 16:00 for 6 weeks
    const circle = db
      .insert(s.activities)
      .values({
        kind: 'circle',
        title: 'حلقة التدريب الأسبوعية — ناحية الكرامة',
        organisingUnitId: raqqa.districts[0].id,
        audienceKind: 'units',
        audienceUnitId: raqqa.districts[0].id,
        location: 'مجلس ناحية الكرامة',
        selfEnrol: true,
        autoApprove: true,
        status: 'open',
        minAttendancePct: 50,
        createdBy: office,
      })
      .returning()
      .get().id;
    const daysToWed = (3 - p.weekday + 7) % 7;
    for (let w = 0; w < 6; w++) {
      const day = startOfDay(today, tz, daysToWed + w * 7);
      db.insert(s.sessions)
        .values({
          activityId: circle,
          startsAt: at(day, 16),
          endsAt: at(day, 17),
          topic: `الحلقة ${w + 1}`,
          trainerUserId: trainer2,
          place: 'مجلس ناحية الكرامة',
          fromRule: true,
          checkinCode: `KC${w}${Math.floor(rand() * 90000 + 10000)}`,
        })
        .run();
    }
    // a lecture still in draft
    db.insert(s.activities)
      .values({
        kind: 'lecture',
        title: 'محاضرة: تاريخ الحركة التنظيمية',
        organisingUnitId: centre.id,
        audienceKind: 'everyone',
        status: 'draft',
        createdBy: office,
      })
      .run();

    // ---- organisation extras
    {
      // a third council of the "other" kind, with a few members
      const media = db
        .insert(s.councils)
        .values({ nameAr: 'لجنة الإعلام', nameEn: 'Media committee', kind: 'other' })
        .returning()
        .get().id;
      for (const m of memberIds.filter((_, i) => i % 9 === 0))
        db.insert(s.memberCouncils).values({ memberId: m.id, councilId: media }).run();
      // Latin spellings (searchable too)
      for (const [ar, latin] of [
        ['سلمى الخلف', 'Salma al-Khalaf'],
        ['ليلى العيسى', 'Layla al-Issa'],
      ])
        db.update(s.members)
          .set({ nameLatin: latin, nameSearch: normalizeArabic(`${ar} ${latin}`) })
          .where(sql`full_name = ${ar}`)
          .run();
      // a district that was merged away: archived, never deleted, its former member kept as inactive
      const manbij = cities[3];
      const old = unit(
        manbij.id,
        'district',
        'مجلس ناحية الخفسة (سابقاً)',
        'Khafsa district council (former)',
        manbij.path,
      );
      db.insert(s.members)
        .values({
          fullName: 'عيسى الموسى',
          nameSearch: normalizeArabic('عيسى الموسى'),
          unitId: old.id,
          gender: 'm',
          birthYear: 1979,
          phone: '+963955000001',
          status: 'inactive',
          notes: 'انتقل إلى مجلس مدينة منبج بعد دمج الناحية.',
        })
        .run();
      db.update(s.units).set({ archivedAt: now }).where(sql`id = ${old.id}`).run();
    }
    // ---- end organisation extras

    // ---- activities extras
    // the rules behind the demo's recurring sessions, so "repeat on a schedule" starts from what is there
    const ymd = (d: Date) => {
      const q = zonedParts(d, tz);
      return `${q.year}-${String(q.month).padStart(2, '0')}-${String(q.day).padStart(2, '0')}`;
    };
    const demoRule = (o: Record<string, unknown>) =>
      JSON.stringify({ freq: 'weekly', interval: 1, until: null, skipFridays: true, skipDates: [], topic: null, ...o });
    db.update(s.activities)
      .set({
        recurrence: demoRule({
          weekdays: [1],
          startDate: ymd(firstMonday),
          count: 8,
          startTime: '17:00',
          endTime: '19:00',
          trainerUserId: trainer,
          place: 'المركز العام — قاعة التدريب',
        }),
      })
      .where(sql`id = ${course}`)
      .run();
    db.update(s.activities)
      .set({
        recurrence: demoRule({
          weekdays: [3],
          startDate: ymd(startOfDay(today, tz, daysToWed)),
          count: 6,
          startTime: '16:00',
          endTime: '17:00',
          trainerUserId: trainer2,
          place: 'مجلس ناحية الكرامة',
        }),
      })
      .where(sql`id = ${circle}`)
      .run();
    // a second course in the programme's second phase, still being planned
    const phase2 = db
      .select({ id: s.phases.id })
      .from(s.phases)
      .where(sql`${s.phases.programmeId} = ${programme} and ${s.phases.position} = 2`)
      .get();
    if (phase2)
      db.insert(s.activities)
        .values({
          kind: 'course',
          title: 'الدورة التدريبية الثانية',
          seriesNumber: 2,
          description: 'الدورة الثانية من برنامج التأهيل للأعضاء المنتسبين، بعد إتمام المرحلة الأولى.',
          programmeId: programme,
          phaseId: phase2.id,
          organisingUnitId: centre.id,
          audienceKind: 'everyone',
          location: 'المركز العام — قاعة التدريب',
          capacity: 30,
          selfEnrol: true,
          status: 'draft',
          createdBy: office,
        })
        .run();
    // ---- end activities extras

    // ---- enrolment extras
    {
      // status history lines, dated; the demo writes rows directly (no notifications to the past)
      const enrolWith = (
        activityId: number,
        memberId: number,
        steps: { to: s.EnrolmentStatus; by: number | null; reason?: string; daysAgo: number }[],
        extra: Partial<typeof s.enrolments.$inferInsert> = {},
      ) => {
        const last = steps[steps.length - 1];
        const id = db
          .insert(s.enrolments)
          .values({ activityId, memberId, source: 'self', status: last.to, ...extra })
          .returning()
          .get().id;
        let from: s.EnrolmentStatus | null = null;
        for (const st of steps) {
          db.insert(s.enrolmentEvents)
            .values({
              enrolmentId: id,
              fromStatus: from,
              toStatus: st.to,
              byUserId: st.by,
              reason: st.reason ?? null,
              at: new Date(now.getTime() - st.daysAgo * 86_400_000),
            })
            .run();
          from = st.to;
        }
        return id;
      };
      const coordinatorUser = db
        .select({ id: s.users.id })
        .from(s.users)
        .where(sql`username = 'coordinator'`)
        .get()!.id;
      const memberUser = db.select({ id: s.users.id }).from(s.users).where(sql`username = 'member'`).get()!.id;
      // the Raqqa seminar approves self-enrolments automatically: a dozen members already in
      const raqqaPaths = [raqqa.id, ...raqqa.districts.map((d) => d.id)];
      const raqqaMembers = memberIds.filter((m) => raqqaPaths.includes(m.unitId) && m.id !== memberSelf);
      for (const m of raqqaMembers.slice(0, 12))
        enrolWith(seminar, m.id, [{ to: 'approved', by: null, reason: 'enrolments.history.autoApproved', daysAgo: 3 }]);
      // the second course: nominations only, 20 seats; Raqqa's executive body has nominated five,
      // the office has decided two of them
      const course2 = db
        .insert(s.activities)
        .values({
          kind: 'course',
          title: 'الدورة التدريبية الثانية: العمل التنظيمي',
          seriesNumber: 2,
          programmeId: programme,
          phaseId: phase1,
          organisingUnitId: centre.id,
          audienceKind: 'everyone',
          location: 'المركز العام — قاعة التدريب',
          capacity: 20,
          selfEnrol: false,
          enrolOpensAt: startOfDay(today, tz, -5),
          enrolClosesAt: startOfDay(today, tz, 10),
          withdrawCutoffAt: startOfDay(today, tz, 12),
          status: 'open',
          createdBy: office,
        })
        .returning()
        .get().id;
      const nominees = raqqaMembers.filter((m) => m.isExecutive).slice(0, 5);
      const nomineeEnrolments: number[] = [];
      nominees.forEach((m, i) => {
        const nominated = { to: 'nominated' as const, by: coordinatorUser, daysAgo: 4 - i * 0.2 };
        const steps =
          i === 0
            ? [nominated, { to: 'approved' as const, by: office, daysAgo: 2 }]
            : i === 1
              ? [
                  nominated,
                  { to: 'rejected' as const, by: office, reason: 'شارك في دورة مماثلة هذا العام', daysAgo: 2 },
                ]
              : [nominated];
        const e = enrolWith(course2, m.id, steps, {
          source: 'nomination',
          nominatedByUnitId: m.unitId === raqqa.id ? raqqa.id : m.unitId,
          nominatedByUserId: coordinatorUser,
          note: i % 2 === 0 ? 'عضو في الهيئة التنفيذية منذ سنتين' : null,
        });
        nomineeEnrolments.push(e);
      });
      const rejectedName = db
        .select({ n: s.members.fullName })
        .from(s.members)
        .where(sql`id = ${nominees[1].id}`)
        .get()!.n;
      // the member herself is nominated too, awaiting the office
      const own = enrolWith(course2, memberSelf, [{ to: 'nominated', by: coordinatorUser, daysAgo: 1 }], {
        source: 'nomination',
        nominatedByUnitId: raqqa.districts[0].id,
        nominatedByUserId: coordinatorUser,
      });
      db.insert(s.notifications)
        .values([
          {
            userId: memberUser,
            kind: 'enrolment.nominated',
            params: JSON.stringify({ activity: 'الدورة التدريبية الثانية: العمل التنظيمي', reason: '' }),
            link: `/enrolments/${own}`,
            createdAt: new Date(now.getTime() - 86_400_000),
          },
          {
            userId: coordinatorUser,
            kind: 'nomination.rejected',
            params: JSON.stringify({
              activity: 'الدورة التدريبية الثانية: العمل التنظيمي',
              member: rejectedName,
              reason: 'شارك في دورة مماثلة هذا العام',
            }),
            link: `/enrolments/${nomineeEnrolments[1]}`,
            createdAt: new Date(now.getTime() - 2 * 86_400_000),
          },
        ])
        .run();

      // unit seat quotas on the second course: Raqqa has 3 seats (nominations until 6 days
      // from now, confirm within 9), Tabqa 4. Raqqa's nominations count against its quota,
      // ranked in the order they were made: one approved (waiting for confirmation), two
      // main nominees for the office to decide, then the reserves (the demo member is #2).
      db.insert(s.unitQuotas)
        .values([
          {
            activityId: course2,
            unitId: raqqa.id,
            seats: 3,
            nominationDeadline: startOfDay(today, tz, 7),
            confirmBy: startOfDay(today, tz, 10),
          },
          { activityId: course2, unitId: cities[1].id, seats: 4, nominationDeadline: startOfDay(today, tz, 7) },
        ])
        .run();
      [...nomineeEnrolments, own].forEach((id, i) => {
        db.update(s.enrolments)
          .set({ nominatedByUnitId: raqqa.id, rank: i + 1 })
          .where(sql`id = ${id}`)
          .run();
      });
      db.insert(s.notifications)
        .values({
          userId: coordinatorUser,
          kind: 'quota.assigned',
          params: JSON.stringify({
            activity: 'الدورة التدريبية الثانية: العمل التنظيمي',
            seats: 3,
            deadline: new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(startOfDay(today, tz, 6)),
          }),
          link: `/activities/${course2}/nominate`,
          createdAt: new Date(now.getTime() - 5 * 86_400_000),
        })
        .run();
    }
    // ---- end enrolment extras

    // ---- attendance extras
    // a lecture open to Raqqa's subtree happening right now, taught by the demo trainer:
    // /today lists it, its roster shows a check-in code and QR code, and the demo member
    // (سلمى الخلف, Karama) can check in at /check-in as a walk-in from the audience
    const liveLecture = db
      .insert(s.activities)
      .values({
        kind: 'lecture',
        title: 'محاضرة: العمل التنظيمي في النواحي',
        organisingUnitId: raqqa.id,
        audienceKind: 'units',
        audienceUnitId: raqqa.id,
        location: 'مجلس مدينة الرقة',
        selfEnrol: true,
        autoApprove: true,
        status: 'running',
        minAttendancePct: 100,
        createdBy: office,
      })
      .returning()
      .get().id;
    const liveStart = new Date(Math.floor(now.getTime() / 60_000) * 60_000 - 10 * 60_000);
    db.insert(s.sessions)
      .values({
        activityId: liveLecture,
        startsAt: liveStart,
        endsAt: new Date(liveStart.getTime() + 3 * 3_600_000),
        topic: 'العمل التنظيمي في النواحي',
        trainerUserId: trainer,
        place: 'مجلس مدينة الرقة',
        checkinCode: 'RQ2020',
      })
      .run();
    // an office correction after the edit window, with its reason, on the course's first session
    const firstSession = courseSessions[0];
    if (firstSession && firstSession.startsAt < now && participants[0]) {
      const who = participants[0].id;
      const before = db
        .select({ status: s.attendance.status })
        .from(s.attendance)
        .where(sql`session_id = ${firstSession.id} and member_id = ${who}`)
        .get();
      if (before && before.status !== 'excused') {
        const at = new Date(firstSession.startsAt.getTime() + 10 * 86_400_000);
        db.update(s.attendance)
          .set({ status: 'excused', markedBy: office, markedAt: at, note: 'عذر مكتوب' })
          .where(sql`session_id = ${firstSession.id} and member_id = ${who}`)
          .run();
        db.insert(s.attendanceEvents)
          .values({
            sessionId: firstSession.id,
            memberId: who,
            fromStatus: before.status,
            toStatus: 'excused',
            note: 'عذر مكتوب',
            reason: 'قدّمت الرفيقة عذراً مكتوباً للمكتب بعد انتهاء مهلة التعديل',
            byUserId: office,
            at,
          })
          .run();
      }
    }
    // the enrolments' attendance counters, from the marks above
    db.$client
      .prepare(
        `update enrolments set
           attended_count = (select count(*) from attendance a join sessions x on x.id = a.session_id
             where x.activity_id = enrolments.activity_id and x.status <> 'cancelled' and a.member_id = enrolments.member_id and a.status = 'present'),
           late_count = (select count(*) from attendance a join sessions x on x.id = a.session_id
             where x.activity_id = enrolments.activity_id and x.status <> 'cancelled' and a.member_id = enrolments.member_id and a.status = 'late'),
           excused_count = (select count(*) from attendance a join sessions x on x.id = a.session_id
             where x.activity_id = enrolments.activity_id and x.status <> 'cancelled' and a.member_id = enrolments.member_id and a.status = 'excused'),
           absent_count = (select count(*) from attendance a join sessions x on x.id = a.session_id
             where x.activity_id = enrolments.activity_id and x.status <> 'cancelled' and a.member_id = enrolments.member_id and a.status = 'absent')`,
      )
      .run();
    // ---- end attendance extras

    // ---- completion extras
    // an introductory course of phase 1 that finished a month ago: results decided by its rule,
    // certificates issued to those who completed it (سلمى الخلف among them), and a seminar she attended
    {
      const introStart = startOfDay(firstMonday, tz, -42);
      const intro = db
        .insert(s.activities)
        .values({
          kind: 'course',
          title: 'الدورة التمهيدية في العمل التنظيمي',
          honoree: 'الشهيد عمر الحسن',
          description: 'دورة تمهيدية من أربع جلسات لأعضاء مدينة الرقة ونواحيها.',
          programmeId: programme,
          phaseId: phase1,
          organisingUnitId: raqqa.id,
          audienceKind: 'units',
          audienceUnitId: raqqa.id,
          location: 'مجلس مدينة الرقة',
          capacity: 20,
          selfEnrol: true,
          status: 'finished',
          minAttendancePct: 75,
          createdBy: office,
        })
        .returning()
        .get();
      const introSessions = [0, 7, 14, 21].map((d) => {
        const day = startOfDay(introStart, tz, d);
        return db
          .insert(s.sessions)
          .values({
            activityId: intro.id,
            startsAt: at(day, 17),
            endsAt: at(day, 19),
            topic: 'العمل التنظيمي',
            trainerUserId: trainer,
            place: 'مجلس مدينة الرقة',
          })
          .returning()
          .get();
      });
      const finishedAt = new Date(introSessions[3].endsAt.getTime() + 86_400_000);
      const raqqaIds = new Set([raqqa.id, ...raqqa.districts.map((d) => d.id)]);
      const people = [
        memberSelf,
        ...memberIds.filter((m) => raqqaIds.has(m.unitId) && m.id !== memberSelf).map((m) => m.id),
      ].slice(0, 12);
      const facts = introSessions.map((x) => ({ id: x.id, startsAt: x.startsAt, cancelled: false }));
      for (const [i, memberId] of people.entries()) {
        const marks = new Map<number, s.AttendanceStatus>();
        for (const sess of introSessions) {
          const r = rand();
          const status: s.AttendanceStatus =
            i === 0 ? 'present' : r < 0.7 ? 'present' : r < 0.8 ? 'late' : r < 0.88 ? 'excused' : 'absent';
          marks.set(sess.id, status);
          db.insert(s.attendance)
            .values({ sessionId: sess.id, memberId, status, markedBy: trainer, markedAt: sess.endsAt })
            .run();
        }
        const done = decideCompletion(ruleOf(intro), computeProgress(ruleOf(intro), facts, marks, finishedAt));
        const e = db
          .insert(s.enrolments)
          .values({
            activityId: intro.id,
            memberId,
            source: 'self',
            status: done ? 'completed' : 'not_completed',
            // the counters the attendance service keeps
            attendedCount: [...marks.values()].filter((x) => x === 'present').length,
            lateCount: [...marks.values()].filter((x) => x === 'late').length,
            excusedCount: [...marks.values()].filter((x) => x === 'excused').length,
            absentCount: [...marks.values()].filter((x) => x === 'absent').length,
          })
          .returning()
          .get().id;
        db.insert(s.enrolmentEvents)
          .values({ enrolmentId: e, fromStatus: null, toStatus: 'approved', at: startOfDay(introStart, tz, -7) })
          .run();
        db.insert(s.enrolmentEvents)
          .values({
            enrolmentId: e,
            fromStatus: 'approved',
            toStatus: done ? 'completed' : 'not_completed',
            at: finishedAt,
          })
          .run();
        if (done)
          db.insert(s.certificates)
            .values({ enrolmentId: e, code: randomString(24), hours: 8, issuedAt: finishedAt, issuedBy: office })
            .run();
      }
      const seminarPast = db
        .insert(s.activities)
        .values({
          kind: 'seminar',
          title: 'ندوة: تاريخ المجالس المحلية',
          organisingUnitId: raqqa.id,
          audienceKind: 'units',
          audienceUnitId: raqqa.id,
          location: 'مجلس مدينة الرقة',
          status: 'finished',
          minAttendancePct: 100,
          createdBy: office,
        })
        .returning()
        .get().id;
      const semDay = startOfDay(today, tz, -10);
      const semSession = db
        .insert(s.sessions)
        .values({ activityId: seminarPast, startsAt: at(semDay, 18), endsAt: at(semDay, 20), trainerUserId: trainer2 })
        .returning()
        .get();
      db.insert(s.attendance)
        .values({ sessionId: semSession.id, memberId: memberSelf, status: 'present', markedAt: semSession.endsAt })
        .run();
      const semE = db
        .insert(s.enrolments)
        .values({
          activityId: seminarPast,
          memberId: memberSelf,
          source: 'self',
          status: 'completed',
          attendedCount: 1,
        })
        .returning()
        .get().id;
      db.insert(s.enrolmentEvents)
        .values({ enrolmentId: semE, fromStatus: 'approved', toStatus: 'completed', at: semSession.endsAt })
        .run();
    }
    // ---- end completion extras

    // ---- followup extras
    // apologies and an absence escalation (server/followup): the demo member is in Karama's
    // weekly circle and has excused herself from its next session (pending: the office decides,
    // she may withdraw it at /apologies); a course participant's pending apology waits for the
    // demo trainer; a Raqqa participant missed the course's last three sessions, which alerted
    // the Raqqa coordinator (absence_alert_after = 3 on the course)
    {
      const coordinatorId = db.select({ id: s.users.id }).from(s.users).where(sql`username = 'coordinator'`).get()!.id;
      const memberUserId = db.select({ id: s.users.id }).from(s.users).where(sql`username = 'member'`).get()!.id;
      const day = (d: Date) => new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(d);
      const counters = (activityId: number, memberId: number) =>
        db.$client
          .prepare(
            `update enrolments set
               attended_count = (select count(*) from attendance a join sessions x on x.id = a.session_id where x.activity_id = @a and x.status <> 'cancelled' and a.member_id = @m and a.status = 'present'),
               late_count = (select count(*) from attendance a join sessions x on x.id = a.session_id where x.activity_id = @a and x.status <> 'cancelled' and a.member_id = @m and a.status = 'late'),
               excused_count = (select count(*) from attendance a join sessions x on x.id = a.session_id where x.activity_id = @a and x.status <> 'cancelled' and a.member_id = @m and a.status = 'excused'),
               absent_count = (select count(*) from attendance a join sessions x on x.id = a.session_id where x.activity_id = @a and x.status <> 'cancelled' and a.member_id = @m and a.status = 'absent')
             where activity_id = @a and member_id = @m`,
          )
          .run({ a: activityId, m: memberId });

      // the demo member in the circle, and her apology for its next session
      const ownEnrolment = db
        .insert(s.enrolments)
        .values({ activityId: circle, memberId: memberSelf, source: 'self', status: 'approved' })
        .returning()
        .get().id;
      db.insert(s.enrolmentEvents)
        .values({
          enrolmentId: ownEnrolment,
          fromStatus: null,
          toStatus: 'approved',
          reason: 'enrolments.history.autoApproved',
          at: new Date(now.getTime() - 6 * 86_400_000),
        })
        .run();
      const nextCircle = db
        .select({ id: s.sessions.id })
        .from(s.sessions)
        .where(sql`activity_id = ${circle} and starts_at > ${now.getTime()}`)
        .orderBy(s.sessions.startsAt)
        .limit(1)
        .get();
      if (nextCircle) {
        const apology = db
          .insert(s.apologies)
          .values({
            sessionId: nextCircle.id,
            memberId: memberSelf,
            reason: 'سفر عائلي إلى الحسكة، أعود بعد يومين.',
            createdAt: new Date(now.getTime() - 86_400_000),
          })
          .returning()
          .get().id;
        db.insert(s.auditLog)
          .values({
            userId: memberUserId,
            action: 'apology.send',
            entity: 'apology',
            entityId: apology,
            details: JSON.stringify({ sessionId: nextCircle.id, activityId: circle, memberId: memberSelf }),
            at: new Date(now.getTime() - 86_400_000),
          })
          .run();
      }

      // a course participant's apology for the next session the demo trainer teaches
      const nextCourse = db
        .select({ id: s.sessions.id, startsAt: s.sessions.startsAt })
        .from(s.sessions)
        .where(sql`activity_id = ${course} and starts_at > ${now.getTime()} and trainer_user_id = ${trainer}`)
        .orderBy(s.sessions.startsAt)
        .limit(1)
        .get();
      const apologising = participants[3];
      if (nextCourse && apologising) {
        const apology = db
          .insert(s.apologies)
          .values({
            sessionId: nextCourse.id,
            memberId: apologising.id,
            reason: 'موعد عمل لا يمكن تأجيله في ذلك اليوم.',
            createdAt: new Date(now.getTime() - 2 * 3_600_000),
          })
          .returning()
          .get().id;
        db.insert(s.notifications)
          .values({
            userId: trainer,
            kind: 'followup.apologySent',
            params: JSON.stringify({
              member: db.select({ n: s.members.fullName }).from(s.members).where(sql`id = ${apologising.id}`).get()!.n,
              activity: 'الدورة التدريبية الأولى باسم الشهيدة ناديا الخشان',
              date: day(nextCourse.startsAt),
            }),
            link: `/apologies/${apology}`,
            createdAt: new Date(now.getTime() - 2 * 3_600_000),
          })
          .run();
      }

      // three absences in a row for a participant from Raqqa's subtree, and the alert they raised
      db.update(s.activities).set({ absenceAlertAfter: 3 }).where(sql`id = ${course}`).run();
      const raqqaUnits = new Set([raqqa.id, ...raqqa.districts.map((d) => d.id)]);
      const absentee = participants.slice(1).find((m) => raqqaUnits.has(m.unitId) && m.id !== apologising?.id);
      const held = courseSessions.filter((x) => x.startsAt < now).slice(-3);
      if (absentee && held.length === 3) {
        for (const sess of held) {
          db.update(s.attendance)
            .set({ status: 'absent', note: null })
            .where(sql`session_id = ${sess.id} and member_id = ${absentee.id}`)
            .run();
          db.update(s.attendanceEvents)
            .set({ toStatus: 'absent' })
            .where(sql`session_id = ${sess.id} and member_id = ${absentee.id}`)
            .run();
        }
        counters(course, absentee.id);
        const enrolment = db
          .select({ id: s.enrolments.id })
          .from(s.enrolments)
          .where(sql`activity_id = ${course} and member_id = ${absentee.id}`)
          .get()!.id;
        const name = db.select({ n: s.members.fullName }).from(s.members).where(sql`id = ${absentee.id}`).get()!.n;
        const title = 'الدورة التدريبية الأولى باسم الشهيدة ناديا الخشان';
        const sessions = held.map((x, i) => ({
          id: x.id,
          date: day(x.startsAt),
          topic: db.select({ t: s.sessions.topic }).from(s.sessions).where(sql`id = ${x.id}`).get()!.t ?? `${i + 1}`,
        }));
        const alertAt = new Date(held[2].startsAt.getTime() + 3_600_000);
        db.insert(s.auditLog)
          .values({
            userId: trainer,
            action: 'followup.absenceAlert',
            entity: 'enrolment',
            entityId: enrolment,
            details: JSON.stringify({
              activityId: course,
              activityTitle: title,
              memberId: absentee.id,
              runStart: held[0].id,
              count: 3,
              sessions,
              notified: [coordinatorId],
            }),
            at: alertAt,
          })
          .run();
        db.insert(s.notifications)
          .values({
            userId: coordinatorId,
            kind: 'followup.absencesCoordinator',
            params: JSON.stringify({
              member: name,
              activity: title,
              count: 3,
              dates: sessions.map((x) => `${x.date} (${x.topic})`).join(', '),
            }),
            link: `/members/${absentee.id}`,
            createdAt: alertAt,
          })
          .run();
      }
    }
    // ---- end followup extras

    // ---- cards extras
    // every active member gets a member card (office → a member's page → "Member card", or
    // /units/:id/cards to print a unit's); the trainer scans them at /sessions/:id/scan of
    // the lecture running now. Tokens are signed with the app secret, created here if new.
    {
      let secret = db.select().from(s.settings).where(sql`key = 'app_secret'`).get()?.value;
      if (!secret) {
        secret = randomString(48);
        db.insert(s.settings).values({ key: 'app_secret', value: secret }).run();
      }
      const issued = new Date(now.getTime() - 20 * 86_400_000);
      const active = db.select({ id: s.members.id }).from(s.members).where(sql`status = 'active'`).all();
      const setCard = db.$client.prepare('update members set card_token = ?, card_issued_at = ? where id = ?');
      for (const m of active) setCard.run(newCardToken(secret), issued.getTime(), m.id);
    }
    // ---- end cards extras

    db.insert(s.settings).values({ key: 'demo_seeded', value: new Date().toISOString() }).onConflictDoNothing().run();
  })();

  return {
    password: DEMO_PASSWORD,
    users: [
      { username: 'admin', role: 'admin' },
      { username: 'office', role: 'office (Qualification Office)' },
      { username: 'coordinator', role: 'coordinator (executive body of Raqqa)' },
      { username: 'trainer', role: 'trainer' },
      { username: 'member', role: 'member' },
    ],
  };
}
