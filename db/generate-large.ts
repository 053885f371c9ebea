/**
 * Writes a large, realistic organisation into a separate SQLite file for the benchmark
 * (tests/bench/run.ts): the unit tree (centre, 30 cities, 300 districts), 100,000 members
 * with Arabic names, the Women's and Youth Councils, 5 years of programmes and phases,
 * 5,000 activities of every kind and status, 60,000 sessions, enrolments with their
 * precomputed attendance counters, 2,000,000 attendance marks with their audit trail,
 * certificates for completed enrolments, and users for every role.
 *
 *   npm run db:generate-large -- --members 100000 [--seed 1] [--out tests/bench/large.sqlite] [--now 2026-11-29]
 *
 * Every count scales with --members. The same seed and --now (default: today, UTC) give the
 * same data. The schema comes from the real migrations (openDatabase); rows are written with
 * raw prepared statements in one transaction, with journaling off and the secondary indexes
 * of the big tables created after the data (the same CREATE INDEX statements, so the final
 * schema is identical), then the file is switched back to WAL. The member search's word
 * index (member_words) is written by the triggers of migration 0003 as the members are.
 *
 * It also builds the benchmark's fixture and stores it in settings under 'bench_fixture':
 * a course with a 300-member roster and a session today, and a lecture with 1,500 enrolled
 * members (each with a login) whose session's self check-in is open now.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { hash } from '@node-rs/argon2';
import { normalizeArabic } from '../server/core/arabic.ts';
import { openDatabase } from '../server/core/db.ts';
import { zonedParts, zonedToUtc } from '../server/core/time.ts';

const TZ = 'Asia/Damascus';
const PASSWORD = 'taahil-demo';
const DAY = 86_400_000;
const MIN = 60_000;

export interface BenchFixture {
  seed: number;
  generatedFor: string;
  rosterActivityId: number;
  rosterSessionId: number;
  checkinActivityId: number;
  checkinSessionId: number;
  checkinCode: string;
  /** users (role member) enrolled in the check-in activity, one per burst request */
  checkinUserIds: number[];
  /** a member with a long record (enrolments, attendance, certificates) */
  recordMemberId: number;
  /** a common name fragment for the member search */
  searchQuery: string;
  coordinatorUnitId: number;
  month: string;
}

// ------------------------------------------------------------------ names

const FIRST_F =
  'هيفاء سلمى نسرين روجين ليلى آمنة فاطمة زينب هدى رنا جيهان سوزان ناديا بيريفان دلال خديجة مريم نور رهف لمى سارة ريم هند سعاد وفاء منى أمل بشرى حنان عائشة نجلاء شيرين هيلين زهرة ياسمين غادة سهام رقية إيمان كوثر'.split(
    ' ',
  );
const FIRST_M =
  'أحمد محمد خالد عبدالله إبراهيم حسن علي عمر يوسف مصطفى فراس جوان سليمان محمود عيسى ريزان حمزة طارق ماجد سامر عمار وليد بشار زياد جمال حسين عبدالرحمن صالح ناصر فيصل كمال رامي هشام آزاد شيار دلشاد باسل أنس منصور'.split(
    ' ',
  );
const LAST =
  'الأحمد العلي الحسن الخلف الحسين العبدالله الإبراهيم المحمد الخضر الشيخ العيسى الجاسم الحمود الصالح الموسى الكردي العمر الحمادي السليمان الناصر المصطفى الدرويش العثمان الجبوري الشمري العبيد الحسيني الراوي البكري الظاهر الفياض الهويدي العكلة الخليل السعيد الرمضان العساف المحيميد البشير الخطيب الزعبي النجار الحداد العطار الشامي الحلبي الرقاوي الفراتي الديري الحوراني الكبيسي الزيدان الشبلي الجدعان العفين المشرف المرعي الطه الحمدان القاسم'.split(
    ' ',
  );
const CITIES: [string, string][] = [
  ['الرقة', 'Raqqa'],
  ['الطبقة', 'Tabqa'],
  ['الحسكة', 'Hasakah'],
  ['منبج', 'Manbij'],
  ['القامشلي', 'Qamishli'],
  ['دير الزور', 'Deir ez-Zor'],
  ['كوباني', 'Kobani'],
  ['عين عيسى', 'Ain Issa'],
  ['تل أبيض', 'Tal Abyad'],
  ['الشدادي', 'Shaddadi'],
  ['عامودا', 'Amuda'],
  ['الدرباسية', 'Darbasiyah'],
  ['المالكية', 'Malikiyah'],
  ['رأس العين', 'Ras al-Ayn'],
  ['تل تمر', 'Tel Tamer'],
  ['الهول', 'Al-Hol'],
  ['مركدة', 'Markada'],
  ['البصيرة', 'Busayrah'],
  ['هجين', 'Hajin'],
  ['الشحيل', 'Shuhayl'],
  ['صرين', 'Sarrin'],
  ['المنصورة', 'Mansoura'],
  ['الجرنية', 'Jurneyyeh'],
  ['سلوك', 'Suluk'],
  ['معدان', 'Maadan'],
  ['الكرامة', 'Karama'],
  ['السبخة', 'Sabkha'],
  ['أبو قلقل', 'Abu Qalqal'],
  ['الجوادية', 'Jawadiyah'],
  ['القحطانية', 'Qahtaniyah'],
];
const DISTRICT_BASES =
  'الكرامة السبخة المنصورة الجرنية الدرباسية أبو قلقل الحمرات الفردوس النهضة الرشيد الثكنة المشلب الصناعة الأندلس الفرات البدو الخابور الجزيرة السلام الوحدة الأمل الربيع الزهور الشهداء النصر القادسية الحرية الغزلانية العدنانية الحمام'.split(
    ' ',
  );
const DISTRICT_SUFFIXES = [
  '',
  'الشرقية',
  'الغربية',
  'الشمالية',
  'الجنوبية',
  'الوسطى',
  'الجديدة',
  'القديمة',
  'الكبرى',
  'الصغرى',
];
const TOPICS = [
  'مبادئ الحزب وأهدافه',
  'العمل التنظيمي',
  'آلية اتخاذ القرارات',
  'الروح الرفاقية والعمل الجماعي',
  'المرأة والشباب في الحياة المجتمعية',
  'الإعلام والتواصل',
  'التخطيط والمتابعة',
  'إدارة الاجتماعات',
  'كتابة التقارير',
  'حل النزاعات',
  'التقييم والختام',
];
const HONOREES = ['الشهيدة ناديا الخشان', 'الشهيد خالد الحسن', 'الشهيدة هيفاء العلي', 'الشهيد عمر الأحمد', null, null];
const KIND_TITLE: Record<string, string> = {
  course: 'دورة تدريبية',
  seminar: 'ندوة',
  lecture: 'محاضرة',
  circle: 'حلقة تدريبية',
};
const ORDINALS = [
  'الأولى',
  'الثانية',
  'الثالثة',
  'الرابعة',
  'الخامسة',
  'السادسة',
  'السابعة',
  'الثامنة',
  'التاسعة',
  'العاشرة',
];

// ------------------------------------------------------------------ random

/** sfc32 seeded through splitmix32: fast, well mixed and the same on every machine. */
function prng(seed: number) {
  let s = seed >>> 0;
  const split = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  const int = (n: number) => Math.floor(next() * n);
  return {
    next,
    int,
    between: (lo: number, hi: number) => lo + int(hi - lo + 1),
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)],
    chance: (p: number) => next() < p,
    /** k distinct items of xs (k <= xs.length), by partial rejection */
    sample: <T>(xs: readonly T[], k: number): T[] => {
      if (k >= xs.length) return [...xs];
      if (k > xs.length / 2) {
        const copy = [...xs];
        for (let i = 0; i < k; i++) {
          const j = i + int(copy.length - i);
          [copy[i], copy[j]] = [copy[j], copy[i]];
        }
        return copy.slice(0, k);
      }
      const seen = new Set<number>();
      const out: T[] = [];
      while (out.length < k) {
        const j = int(xs.length);
        if (seen.has(j)) continue;
        seen.add(j);
        out.push(xs[j]);
      }
      return out;
    },
  };
}

const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
/** a 6-character check-in code, a bijection of the session id (so unique), not guessable by counting */
function checkinCode(id: number): string {
  let x = Number((BigInt(id) * 0x2545f491n + 0x1b873593n) % 0x40000000n);
  let out = '';
  for (let i = 0; i < 6; i++) {
    out += ALPHABET[x & 31];
    x >>>= 5;
  }
  return out.toUpperCase();
}

// ------------------------------------------------------------------ options

export interface GenerateOptions {
  members: number;
  seed: number;
  out: string;
  /** the day the data is generated for (YYYY-MM-DD, UTC); the fixture's sessions are that day */
  now?: string;
  log?: (msg: string) => void;
}

export interface GenerateResult {
  fixture: BenchFixture;
  counts: Record<string, number>;
  ms: number;
}

/** Generates the organisation into opts.out (replacing the file). Synchronous apart from hashing the password once. */
export async function generateLarge(opts: GenerateOptions): Promise<GenerateResult> {
  const t0 = performance.now();
  const say = opts.log ?? (() => {});
  const log = (m: string) => say(`${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s  ${m}`);
  const r = prng(opts.seed);
  const scale = opts.members / 100_000;
  const nActivities = Math.max(30, Math.round(5000 * scale));
  const nSessionsTarget = Math.max(200, Math.round(60_000 * scale));
  const nMarksTarget = Math.max(3000, Math.round(2_000_000 * scale));
  const day = opts.now ?? new Date().toISOString().slice(0, 10);
  const [ny, nm, nd] = day.split('-').map(Number);
  // "now" is noon in the organisation's zone on that day
  const now = zonedToUtc(ny, nm, nd, 12, 0, TZ).getTime();
  const localAt = (dayMs: number, hour: number, minute = 0) => {
    const d = new Date(dayMs);
    return zonedToUtc(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), hour, minute, TZ).getTime();
  };
  const todayCal = Date.UTC(ny, nm - 1, nd); // calendar day (UTC midnight used as a date)

  // the password is hashed once, with a salt from the seed so the file is reproducible
  const salt = new Uint8Array(16);
  for (let i = 0; i < 16; i++) salt[i] = r.int(256);
  const passwordHash = await hash(PASSWORD, { memoryCost: 19456, timeCost: 2, parallelism: 1, salt });

  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(`${opts.out}${suffix}`, { force: true });
  log('migrating');
  const db = openDatabase(opts.out);
  log('migrated');
  const sqlite = db.$client;
  sqlite.pragma('journal_mode = OFF');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('foreign_keys = OFF');
  sqlite.pragma('cache_size = -1000000');
  sqlite.pragma('locking_mode = EXCLUSIVE');

  const BIG = [
    'members',
    'member_words',
    'member_councils',
    'users',
    'user_roles',
    'sessions',
    'enrolments',
    'enrolment_events',
    'attendance',
    'attendance_events',
    'certificates',
  ];
  const indexes = sqlite
    .prepare(
      `select name, sql from sqlite_master where type = 'index' and sql is not null and tbl_name in (${BIG.map(() => '?').join(',')}) order by name`,
    )
    .all(...BIG) as { name: string; sql: string }[];
  for (const ix of indexes) sqlite.exec(`drop index "${ix.name}"`);

  const ins = (table: string, cols: string[]) =>
    sqlite.prepare(`insert into ${table} (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})`);
  const insUnit = ins('units', ['id', 'parent_id', 'kind', 'name_ar', 'name_en', 'path', 'created_at']);
  const insCouncil = ins('councils', ['id', 'name_ar', 'name_en', 'kind', 'description', 'created_at']);
  const insMember = ins('members', [
    'id',
    'full_name',
    'name_search',
    'unit_id',
    'gender',
    'birth_year',
    'phone',
    'is_executive',
    'status',
    'created_at',
  ]);
  const insMemberCouncil = ins('member_councils', ['member_id', 'council_id']);
  const insUser = ins('users', [
    'id',
    'username',
    'phone',
    'display_name',
    'password_hash',
    'member_id',
    'active',
    'created_at',
  ]);
  const insRole = ins('user_roles', ['user_id', 'role', 'unit_id']);
  const insProgramme = ins('programmes', [
    'id',
    'title',
    'description',
    'organising_unit_id',
    'created_by',
    'created_at',
  ]);
  const insPhase = ins('phases', ['id', 'programme_id', 'position', 'title', 'requires_previous', 'created_at']);
  const insActivity = ins('activities', [
    'id',
    'kind',
    'title',
    'honoree',
    'series_number',
    'description',
    'topics',
    'programme_id',
    'phase_id',
    'organising_unit_id',
    'audience_kind',
    'audience_unit_id',
    'executive_only',
    'location',
    'capacity',
    'self_enrol',
    'auto_approve',
    'enrol_opens_at',
    'enrol_closes_at',
    'status',
    'cancel_reason',
    'min_attendance_pct',
    'recurrence',
    'created_by',
    'created_at',
  ]);
  const insActivityCouncil = ins('activity_councils', ['activity_id', 'council_id']);
  const insSession = ins('sessions', [
    'id',
    'activity_id',
    'starts_at',
    'ends_at',
    'topic',
    'trainer_user_id',
    'place',
    'status',
    'cancel_reason',
    'from_rule',
    'checkin_code',
    'created_at',
  ]);
  const insEnrolment = ins('enrolments', [
    'id',
    'activity_id',
    'member_id',
    'source',
    'nominated_by_unit_id',
    'nominated_by_user_id',
    'status',
    'waitlist_seq',
    'attended_count',
    'late_count',
    'excused_count',
    'absent_count',
    'created_at',
    'updated_at',
  ]);
  const insEnrolmentEvent = ins('enrolment_events', [
    'enrolment_id',
    'from_status',
    'to_status',
    'by_user_id',
    'created_at',
  ]);
  const insAttendance = ins('attendance', ['session_id', 'member_id', 'status', 'via', 'marked_by', 'marked_at']);
  const insAttendanceEvent = ins('attendance_events', [
    'session_id',
    'member_id',
    'from_status',
    'to_status',
    'reason',
    'via',
    'by_user_id',
    'at',
  ]);
  const insCertificate = ins('certificates', ['enrolment_id', 'code', 'hours', 'issued_at', 'issued_by']);
  const insSetting = sqlite.prepare('insert or replace into settings (key, value) values (?, ?)');

  const counts: Record<string, number> = {};
  const count = (k: string, n = 1) => {
    counts[k] = (counts[k] ?? 0) + n;
  };
  const startedAt = now - 5 * 365 * DAY - 60 * DAY; // the organisation's records begin here
  let fixture!: BenchFixture;

  sqlite.transaction(() => {
    // ---------------------------------------------------------------- units
    interface Unit {
      id: number;
      path: string;
      kind: 'centre' | 'city' | 'district';
      name: string;
      cityIdx: number;
    }
    const units: Unit[] = [];
    const addUnit = (parent: Unit | null, kind: Unit['kind'], nameAr: string, nameEn: string, cityIdx: number) => {
      const id = units.length + 1;
      const p = `${parent ? parent.path : '/'}${id}/`;
      insUnit.run(id, parent?.id ?? null, kind, nameAr, nameEn, p, startedAt);
      const u = { id, path: p, kind, name: nameAr, cityIdx };
      units.push(u);
      return u;
    };
    const centre = addUnit(null, 'centre', 'المركز العام', 'General centre', -1);
    const cities: { unit: Unit; districts: Unit[] }[] = [];
    let dIdx = 0;
    CITIES.forEach(([ar, en], ci) => {
      const city = addUnit(centre, 'city', `مجلس مدينة ${ar}`, `${en} city council`, ci);
      const districts: Unit[] = [];
      for (let k = 0; k < 10; k++, dIdx++) {
        const base = DISTRICT_BASES[dIdx % DISTRICT_BASES.length];
        const suffix = DISTRICT_SUFFIXES[Math.floor(dIdx / DISTRICT_BASES.length) % DISTRICT_SUFFIXES.length];
        const name = suffix ? `${base} ${suffix}` : base;
        districts.push(addUnit(city, 'district', `مجلس ناحية ${name}`, `District ${dIdx + 1}`, ci));
      }
      cities.push({ unit: city, districts });
    });
    count('units', units.length);

    // ------------------------------------------------------------- councils
    const WOMEN = 1;
    const YOUTH = 2;
    insCouncil.run(WOMEN, 'مجلس المرأة', "Women's Council", 'women', 'يضم عضوات من كافة المناطق.', startedAt);
    insCouncil.run(YOUTH, 'مجلس الشباب', 'Youth Council', 'youth', 'يضم الشباب من كافة المناطق.', startedAt);
    count('councils', 2);

    // -------------------------------------------------------------- members
    // 1 % at the centre, 10 % at city level, the rest in districts; ids interleave units
    interface Member {
      id: number;
      unit: Unit;
      gender: 'f' | 'm';
      birthYear: number;
      exec: boolean;
      active: boolean;
      /** how reliably this member attends (0..1) */
      reliability: number;
      phone: string;
      name: string;
    }
    const members: Member[] = [];
    const byUnit = new Map<number, Member[]>();
    const byCity: Member[][] = cities.map(() => []);
    const women: Member[] = [];
    const youth: Member[] = [];
    const nameCache = new Map<string, string>();
    const districts = cities.flatMap((c) => c.districts);
    const thisYear = new Date(now).getUTCFullYear();
    for (let i = 1; i <= opts.members; i++) {
      const x = r.next();
      const unit =
        x < 0.01 ? centre : x < 0.11 ? cities[r.int(cities.length)].unit : districts[r.int(districts.length)];
      const gender = r.chance(0.45) ? 'f' : 'm';
      const first = r.pick(gender === 'f' ? FIRST_F : FIRST_M);
      const name = `${first} ${r.pick(FIRST_M)} ${r.pick(LAST)}`;
      let search = nameCache.get(name);
      if (search === undefined) {
        search = normalizeArabic(name);
        nameCache.set(name, search);
      }
      const birthYear = thisYear - r.between(18, 70);
      const exec = r.chance(0.05);
      const active = r.chance(0.95);
      const phone = `+9639${String(30_000_000 + i * 7).padStart(8, '0')}`;
      const created = startedAt + r.int(5 * 365) * DAY;
      insMember.run(
        i,
        name,
        search,
        unit.id,
        gender,
        birthYear,
        phone,
        exec ? 1 : 0,
        active ? 'active' : 'inactive',
        created,
      );
      const m: Member = {
        id: i,
        unit,
        gender,
        birthYear,
        exec,
        active,
        reliability: 0.55 + 0.43 * r.next(),
        phone,
        name,
      };
      members.push(m);
      const list = byUnit.get(unit.id);
      if (list) list.push(m);
      else byUnit.set(unit.id, [m]);
      if (unit.cityIdx >= 0) byCity[unit.cityIdx].push(m);
      if (gender === 'f' && r.chance(0.3)) {
        insMemberCouncil.run(i, WOMEN);
        women.push(m);
        count('member_councils');
      }
      if (thisYear - birthYear <= 30 && r.chance(0.5)) {
        insMemberCouncil.run(i, YOUTH);
        youth.push(m);
        count('member_councils');
      }
    }
    count('members', members.length);
    log(`members: ${members.length}`);

    // ---------------------------------------------------------------- users
    let userId = 0;
    const usedMember = new Set<number>();
    const addUser = (
      username: string,
      displayName: string,
      roles: { role: string; unitId?: number }[],
      member?: Member,
    ) => {
      const id = ++userId;
      if (member) usedMember.add(member.id);
      insUser.run(
        id,
        username,
        member?.phone ?? null,
        displayName,
        passwordHash,
        member?.id ?? null,
        1,
        startedAt + r.int(365) * DAY,
      );
      for (const role of roles) insRole.run(id, role.role, role.unitId ?? null);
      count('users');
      count('user_roles', roles.length);
      return id;
    };
    const freeMember = (pool: Member[]) => {
      for (;;) {
        const m = r.pick(pool);
        if (!usedMember.has(m.id) && m.active) return m;
      }
    };
    addUser('admin', 'مدير النظام', [{ role: 'admin' }]);
    const office = addUser('office', 'مكتب التأهيل', [{ role: 'office' }]);
    const officeStaff = [office];
    for (let i = 2; i <= 6; i++) officeStaff.push(addUser(`office${i}`, `مكتب التأهيل ${i}`, [{ role: 'office' }]));
    const coordinatorOf = new Map<number, number>();
    const coordCity = cities[0].unit;
    coordinatorOf.set(
      coordCity.id,
      addUser('coordinator', `الهيئة التنفيذية — ${coordCity.name}`, [{ role: 'coordinator', unitId: coordCity.id }]),
    );
    for (const u of units) {
      if (coordinatorOf.has(u.id)) continue;
      coordinatorOf.set(
        u.id,
        addUser(`coord-${u.id}`, `الهيئة التنفيذية — ${u.name}`, [{ role: 'coordinator', unitId: u.id }]),
      );
    }
    const trainerMember = freeMember(members);
    const trainers = [
      addUser('trainer', `${trainerMember.name} (مدرب)`, [{ role: 'trainer' }, { role: 'member' }], trainerMember),
    ];
    const nTrainers = Math.max(10, Math.round(200 * scale));
    for (let i = 2; i <= nTrainers; i++) {
      if (r.chance(0.6)) {
        const m = freeMember(members);
        trainers.push(addUser(`trainer${i}`, `${m.name} (مدرب)`, [{ role: 'trainer' }, { role: 'member' }], m));
      } else trainers.push(addUser(`trainer${i}`, `مدرب ${i}`, [{ role: 'trainer' }]));
    }
    // about 15 % of members sign in; the accounts of the benchmark's members are added with the fixture
    const memberUser = new Map<number, number>();
    const addMemberUser = (m: Member, username?: string) => {
      const id = addUser(username ?? `m${m.id}`, m.name, [{ role: 'member' }], m);
      memberUser.set(m.id, id);
      return id;
    };
    for (const m of members) if (m.active && !usedMember.has(m.id) && r.chance(0.15)) addMemberUser(m);
    log(`users: ${userId}`);

    // ---------------------------------------------------------- programmes
    const years = 6;
    const firstYear = new Date(startedAt).getUTCFullYear();
    const phasesByYear: { programme: number; phase: number; position: number }[][] = [];
    let programmeId = 0;
    let phaseId = 0;
    for (let y = 0; y < years; y++) {
      const list: { programme: number; phase: number; position: number }[] = [];
      const yearStart = Date.UTC(firstYear + y, 0, 5);
      for (let p = 0; p < 4; p++) {
        const id = ++programmeId;
        const organiser = p === 0 ? centre : r.pick(cities).unit;
        insProgramme.run(
          id,
          `برنامج التأهيل ${['الفكري', 'التنظيمي', 'الإعلامي', 'القيادي'][p]} ${firstYear + y}`,
          'تأهيل وتدريب الرفيقات والرفاق من قيادة وأعضاء على مراحل.',
          organiser.id,
          office,
          yearStart,
        );
        for (let ph = 1; ph <= 3; ph++) {
          const pid = ++phaseId;
          insPhase.run(pid, id, ph, `المرحلة ${ORDINALS[ph - 1]}`, ph === 1 ? 0 : 1, yearStart);
          list.push({ programme: id, phase: pid, position: ph });
        }
      }
      phasesByYear.push(list);
    }
    count('programmes', programmeId);
    count('phases', phaseId);

    // ----------------------------------------------------------- activities
    type Kind = 'course' | 'seminar' | 'lecture' | 'circle';
    interface Plan {
      id: number;
      kind: Kind;
      start: number; // calendar day (UTC midnight used as a date)
      every: number; // days between sessions
      n: number;
      hour: number;
      cancelled: boolean;
      organiser: Unit;
      audience: 'everyone' | 'units' | 'councils';
      audienceUnit: Unit | null;
      councils: number[];
      execOnly: boolean;
      weight: number;
      trainers: number[];
      pool: Member[];
      roster?: Member[];
    }
    const plans: Plan[] = [];
    const span = Math.round((now - startedAt) / DAY) + 75;
    const firstCal = todayCal - (Math.round((now - startedAt) / DAY) - 0) * DAY;
    const subtreeMembers = (u: Unit) =>
      u.kind === 'centre' ? members : u.kind === 'city' ? byCity[u.cityIdx] : (byUnit.get(u.id) ?? []);
    for (let i = 0; i < nActivities; i++) {
      const x = r.next();
      const kind: Kind = x < 0.3 ? 'course' : x < 0.55 ? 'seminar' : x < 0.8 ? 'lecture' : 'circle';
      const o = r.next();
      const organiser = o < 0.2 ? centre : o < 0.55 ? r.pick(cities).unit : r.pick(districts);
      let audience: Plan['audience'] = 'everyone';
      let audienceUnit: Unit | null = null;
      const councils: number[] = [];
      if (organiser.kind !== 'centre') {
        audience = 'units';
        audienceUnit = organiser;
      } else if (r.chance(0.25)) {
        audience = 'councils';
        councils.push(r.chance(0.5) ? WOMEN : YOUTH);
      }
      const execOnly = kind === 'course' && r.chance(0.1);
      let pool =
        audience === 'councils'
          ? councils[0] === WOMEN
            ? women
            : youth
          : audienceUnit
            ? subtreeMembers(audienceUnit)
            : members;
      pool = pool.filter((m) => m.active && (!execOnly || m.exec));
      if (pool.length < 5) pool = members.filter((m) => m.active).slice(0, 200);
      const n =
        kind === 'course'
          ? r.between(6, 16)
          : kind === 'circle'
            ? r.between(8, 40)
            : kind === 'seminar'
              ? r.between(1, 2)
              : 1;
      const every = kind === 'seminar' ? 1 : kind === 'course' && r.chance(0.3) ? 3 : 7;
      const nTr = kind === 'course' ? 2 : 1;
      const tr: number[] = [];
      for (let k = 0; k < nTr; k++) tr.push(r.pick(trainers));
      plans.push({
        id: i + 1,
        kind,
        start: firstCal + r.int(span) * DAY,
        every,
        n,
        hour: r.pick([10, 16, 17, 18]),
        cancelled: r.chance(0.03),
        organiser,
        audience,
        audienceUnit,
        councils,
        execOnly,
        weight: (kind === 'seminar' || kind === 'lecture' ? 2.5 : kind === 'circle' ? 0.8 : 1) * (0.5 + r.next()),
        trainers: tr,
        pool,
      });
    }
    // scale the session counts of recurring activities to the target total
    const raw = plans.reduce((a, p) => a + p.n, 0);
    const fixtureSessions = 10 + 1;
    const factor =
      (nSessionsTarget - fixtureSessions - plans.filter((p) => p.n <= 2).reduce((a, p) => a + p.n, 0)) /
      (raw - plans.filter((p) => p.n <= 2).reduce((a, p) => a + p.n, 0));
    let total = 0;
    for (const p of plans) {
      if (p.kind === 'course' || p.kind === 'circle') {
        const f = p.n * factor;
        p.n = Math.max(3, Math.floor(f) + (r.next() < f - Math.floor(f) ? 1 : 0));
      }
      total += p.n;
    }
    const recurring = plans.filter((p) => p.kind === 'course' || p.kind === 'circle');
    while (total < nSessionsTarget - fixtureSessions) {
      r.pick(recurring).n++;
      total++;
    }
    while (total > nSessionsTarget - fixtureSessions) {
      const p = r.pick(recurring);
      if (p.n > 3) {
        p.n--;
        total--;
      }
    }
    // sessions held (started before now, not cancelled), to size the rosters toward the marks target
    const dayOf = (p: Plan, k: number) => p.start + k * p.every * DAY;
    const heldOf = (p: Plan) => {
      if (p.cancelled) return 0;
      let h = 0;
      for (let k = 0; k < p.n; k++) if (localAt(dayOf(p, k), p.hour) < now) h++;
      return h;
    };
    const held = plans.map(heldOf);
    const fixtureMarks = 300 * 6;
    const weightedHeld = plans.reduce((a, p, i) => a + p.weight * held[i] * 0.97, 0);
    const perWeight = (nMarksTarget - fixtureMarks) / weightedHeld;

    let sessionId = 0;
    let enrolmentId = 0;
    const seriesCount = new Map<string, number>();
    const certCodes = new Set<string>();
    const certCode = () => {
      for (;;) {
        let c = '';
        for (let i = 0; i < 12; i++) c += ALPHABET[r.int(32)];
        if (!certCodes.has(c)) {
          certCodes.add(c);
          return c;
        }
      }
    };
    const drawStatus = (m: Member): 'present' | 'late' | 'excused' | 'absent' => {
      const x = r.next();
      if (x < m.reliability) return 'present';
      const y = r.next();
      return y < 0.35 ? 'late' : y < 0.6 ? 'excused' : 'absent';
    };
    const recordMarks = new Map<number, number>();

    /** writes one activity with its sessions, enrolments, attendance and certificates */
    const writeActivity = (
      p: Plan,
      rosterSize: number,
      over: { title?: string; status?: string; sessionsAt?: number[]; capacity?: number | null } = {},
    ) => {
      const sessionsAt: number[] = over.sessionsAt ?? [];
      if (!over.sessionsAt) for (let k = 0; k < p.n; k++) sessionsAt.push(localAt(dayOf(p, k), p.hour));
      const first = sessionsAt[0];
      const last = sessionsAt[sessionsAt.length - 1];
      const status =
        over.status ??
        (p.cancelled
          ? 'cancelled'
          : last < now
            ? 'finished'
            : first <= now
              ? 'running'
              : r.chance(0.8)
                ? 'open'
                : 'draft');
      const seriesKey = `${p.kind}|${p.organiser.id}`;
      const series = (seriesCount.get(seriesKey) ?? 0) + 1;
      seriesCount.set(seriesKey, series);
      const topic = r.pick(TOPICS);
      const honoree = p.kind === 'course' ? r.pick(HONOREES) : null;
      const title =
        over.title ??
        (p.kind === 'course'
          ? `${KIND_TITLE.course} ${ORDINALS[(series - 1) % 10]}${series > 10 ? ` (${series})` : ''}${honoree ? ` باسم ${honoree}` : ''}`
          : `${KIND_TITLE[p.kind]}: ${topic}`);
      const year = new Date(first).getUTCFullYear() - firstYear;
      const phase =
        p.kind === 'course' && r.chance(0.6) ? r.pick(phasesByYear[Math.min(years - 1, Math.max(0, year))]) : null;
      const capacity =
        over.capacity !== undefined ? over.capacity : p.kind === 'course' ? Math.ceil((rosterSize + 3) / 5) * 5 : null;
      const opens = first - 30 * DAY;
      const closes = first - DAY;
      insActivity.run(
        p.id,
        p.kind,
        title,
        honoree,
        p.kind === 'course' ? series : null,
        `${title} — ${p.organiser.name}`,
        p.kind === 'course' ? TOPICS.slice(0, 4).join('\n') : topic,
        phase?.programme ?? null,
        phase?.phase ?? null,
        p.organiser.id,
        p.audience,
        p.audienceUnit?.id ?? null,
        p.execOnly ? 1 : 0,
        p.organiser.name,
        capacity,
        p.kind === 'course' ? 0 : 1,
        p.kind === 'course' ? 0 : 1,
        opens,
        closes,
        status,
        status === 'cancelled' ? 'ظروف طارئة' : null,
        p.kind === 'seminar' || p.kind === 'lecture' ? 100 : 75,
        p.kind === 'circle' || p.kind === 'course'
          ? JSON.stringify({
              freq: p.every === 7 ? 'weekly' : 'daily',
              interval: p.every === 7 ? 1 : p.every,
              weekdays: p.every === 7 ? [new Date(p.start).getUTCDay()] : [],
              startDate: new Date(p.start).toISOString().slice(0, 10),
              count: p.n,
              startTime: `${p.hour}:00`,
              endTime: `${p.hour + (p.kind === 'circle' ? 1 : 2)}:00`,
              skipFridays: false,
              skipDates: [],
            })
          : null,
        office,
        opens - 7 * DAY,
      );
      for (const c of p.councils) insActivityCouncil.run(p.id, c);
      count('activities');

      // sessions: a few single ones cancelled; the cancelled activity's all
      const sess: { id: number; at: number; held: boolean; trainer: number }[] = [];
      sessionsAt.forEach((at, k) => {
        const id = ++sessionId;
        const cancelled = status === 'cancelled' || r.chance(0.02);
        const trainer = p.trainers[k % p.trainers.length];
        insSession.run(
          id,
          p.id,
          at,
          at + (p.kind === 'circle' ? 60 : 120) * MIN,
          p.kind === 'course' || p.kind === 'circle' ? `${TOPICS[k % TOPICS.length]}` : topic,
          trainer,
          p.organiser.name,
          cancelled ? 'cancelled' : 'scheduled',
          cancelled ? 'ظروف طارئة' : null,
          p.kind === 'course' || p.kind === 'circle' ? 1 : 0,
          checkinCode(id),
          opens,
        );
        sess.push({ id, at, held: !cancelled && at < now, trainer });
      });
      count('sessions', sess.length);
      const heldSessions = sess.filter((s) => s.held);

      // roster (they get marks) and a few more enrolments that did not go through
      const roster = p.roster ?? r.sample(p.pool, Math.min(rosterSize, Math.floor(p.pool.length * 0.8)));
      roster.sort((a, b) => a.id - b.id);
      const inRoster = new Set(roster.map((m) => m.id));
      const extras = r
        .sample(p.pool, Math.min(p.pool.length, Math.ceil(roster.length * 0.08) + 1))
        .filter((m) => !inRoster.has(m.id));
      const tally = roster.map(() => [0, 0, 0, 0]); // present, late, excused, absent
      const marks: { sessionId: number; at: number; trainer: number; statuses: number[] }[] = [];
      const STATUS = ['present', 'late', 'excused', 'absent'] as const;
      for (const s of heldSessions) {
        const statuses = roster.map((m, j) => {
          const st = drawStatus(m);
          const k = STATUS.indexOf(st);
          tally[j][k]++;
          return k;
        });
        marks.push({ sessionId: s.id, at: s.at, trainer: s.trainer, statuses });
      }
      const nominator = (m: Member) =>
        m.unit.kind === 'district' && r.chance(0.5) ? cities[m.unit.cityIdx].unit : m.unit;
      const rosterStatus = (j: number) => {
        if (status === 'cancelled') return 'withdrawn';
        if (status !== 'finished')
          return status === 'open' || status === 'draft'
            ? r.pick(['approved', 'approved', 'approved', 'pending', 'nominated'])
            : 'approved';
        const [pr, la, ex] = tally[j];
        const counted = heldSessions.length - ex;
        const pct = p.kind === 'seminar' || p.kind === 'lecture' ? 100 : 75;
        return counted === 0 || ((pr + la) / counted) * 100 >= pct ? 'completed' : 'not_completed';
      };
      const writeEnrolment = (m: Member, st: string, t: number[] | null, waitSeq: number | null) => {
        const id = ++enrolmentId;
        const x = r.next();
        const source = p.kind === 'course' ? (x < 0.8 ? 'nomination' : 'office') : x < 0.75 ? 'self' : 'nomination';
        const nomUnit = source === 'nomination' ? nominator(m) : null;
        const created = opens + r.int(25) * DAY + r.int(600) * MIN;
        const updated = st === 'completed' || st === 'not_completed' ? last + 2 * DAY : created + DAY;
        insEnrolment.run(
          id,
          p.id,
          m.id,
          source,
          nomUnit?.id ?? null,
          nomUnit ? coordinatorOf.get(nomUnit.id)! : null,
          st,
          waitSeq,
          t ? t[0] : 0,
          t ? t[1] : 0,
          t ? t[2] : 0,
          t ? t[3] : 0,
          created,
          updated,
        );
        const first =
          source === 'nomination' ? 'nominated' : source === 'self' && p.kind !== 'course' ? 'approved' : 'pending';
        const by =
          source === 'self' ? (memberUser.get(m.id) ?? null) : nomUnit ? coordinatorOf.get(nomUnit.id)! : office;
        insEnrolmentEvent.run(id, null, first, by, created);
        count('enrolment_events');
        if (first !== st) {
          const mid = st === 'completed' || st === 'not_completed' || st === 'withdrawn' ? 'approved' : st;
          if (mid !== first) {
            insEnrolmentEvent.run(id, first, mid, office, created + DAY);
            count('enrolment_events');
          }
          if (mid !== st) {
            insEnrolmentEvent.run(id, mid, st, office, updated);
            count('enrolment_events');
          }
        }
        count('enrolments');
        if (st === 'completed') {
          insCertificate.run(id, certCode(), heldSessions.length * 2, last + 3 * DAY, office);
          count('certificates');
        }
        return id;
      };
      roster.forEach((m, j) => {
        writeEnrolment(m, rosterStatus(j), tally[j], null);
        recordMarks.set(m.id, (recordMarks.get(m.id) ?? 0) + heldSessions.length);
      });
      let wait = 0;
      for (const m of extras) {
        const st =
          status === 'open' ? (r.chance(0.5) ? 'waitlisted' : 'rejected') : r.chance(0.5) ? 'withdrawn' : 'rejected';
        writeEnrolment(m, st, null, st === 'waitlisted' ? ++wait : null);
      }
      // attendance, in session order, with its audit trail (a few corrected later)
      for (const mk of marks) {
        roster.forEach((m, j) => {
          const st = STATUS[mk.statuses[j]];
          const checkin = (st === 'present' || st === 'late') && r.chance(0.15);
          const at = mk.at + (checkin ? r.int(20) - 10 : 20 + r.int(60)) * MIN;
          const via = checkin ? 'checkin' : 'roster';
          const by = checkin ? (memberUser.get(m.id) ?? mk.trainer) : mk.trainer;
          insAttendance.run(mk.sessionId, m.id, st, via, by, at);
          if (st === 'excused' && r.chance(0.3)) {
            insAttendanceEvent.run(mk.sessionId, m.id, null, 'absent', null, 'roster', mk.trainer, at);
            insAttendanceEvent.run(mk.sessionId, m.id, 'absent', 'excused', 'عذر مقبول', 'apology', office, at + DAY);
            count('attendance_events', 2);
          } else {
            insAttendanceEvent.run(mk.sessionId, m.id, null, st, null, via, by, at);
            count('attendance_events');
          }
        });
        count('attendance', roster.length);
      }
      return { sessions: sess, roster };
    };

    // activities in order of their first session, so ids follow time as they would in real use
    plans.sort((a, b) => a.start - b.start);
    plans.forEach((p, i) => {
      p.id = i + 1;
    });
    for (const p of plans) {
      const size = Math.max(3, Math.round(p.weight * perWeight));
      writeActivity(p, size);
    }
    log(`activities: ${plans.length}, sessions: ${sessionId}, attendance: ${counts.attendance ?? 0}`);

    // ---------------------------------------------------------------- fixture
    // the roster course: 300 members, weekly on the fixture day's weekday, 6 held, one today, 3 to come
    const rosterPool = members.filter((m) => m.active);
    const rosterMembers = r.sample(rosterPool, 300);
    const rosterPlan: Plan = {
      id: plans.length + 1,
      kind: 'course',
      start: todayCal - 42 * DAY,
      every: 7,
      n: 10,
      hour: 17,
      cancelled: false,
      organiser: centre,
      audience: 'everyone',
      audienceUnit: null,
      councils: [],
      execOnly: false,
      weight: 1,
      trainers: [trainers[0]],
      pool: rosterPool,
      roster: rosterMembers,
    };
    const rosterAt = Array.from({ length: 10 }, (_, k) => localAt(rosterPlan.start + k * 7 * DAY, 17));
    rosterAt[6] = now - 30 * MIN; // today's session began half an hour ago
    const rosterResult = writeActivity(rosterPlan, 300, {
      title: 'الدورة التدريبية الكبرى للكادر القيادي',
      status: 'running',
      sessionsAt: rosterAt,
      capacity: 300,
    });
    // the member user follows the roster course
    const withLogin = rosterMembers.find((m) => memberUser.has(m.id));
    if (withLogin)
      sqlite.prepare("update users set username = 'member' where id = ?").run(memberUser.get(withLogin.id)!);
    else addMemberUser(rosterMembers.find((m) => !usedMember.has(m.id))!, 'member');

    // the check-in lecture: 1,500 enrolled members, each with a login; its session starts in 5 minutes
    const inRosterFixture = new Set(rosterMembers.map((m) => m.id));
    // members whose login (if any) is a member account: not trainers
    const checkinPool = members.filter(
      (m) => m.active && !inRosterFixture.has(m.id) && (memberUser.has(m.id) || !usedMember.has(m.id)),
    );
    const checkinMembers = r.sample(checkinPool, Math.min(1500, checkinPool.length));
    const checkinPlan: Plan = {
      ...rosterPlan,
      id: plans.length + 2,
      kind: 'lecture',
      n: 1,
      trainers: [trainers[0]],
      pool: checkinPool,
      roster: checkinMembers,
    };
    const checkinResult = writeActivity(checkinPlan, checkinMembers.length, {
      title: 'محاضرة عامة: العمل التنظيمي في المدن والنواحي',
      status: 'running',
      sessionsAt: [now + 5 * MIN],
      capacity: null,
    });
    const checkinUserIds = checkinMembers.map((m) => memberUser.get(m.id) ?? addMemberUser(m));
    // the longest qualification record among the roster members
    const recordMember = rosterMembers.reduce((best, m) =>
      (recordMarks.get(m.id) ?? 0) > (recordMarks.get(best.id) ?? 0) ? m : best,
    );
    const monthParts = zonedParts(new Date(now), TZ);
    fixture = {
      seed: opts.seed,
      generatedFor: day,
      rosterActivityId: rosterPlan.id,
      rosterSessionId: rosterResult.sessions[6].id,
      checkinActivityId: checkinPlan.id,
      checkinSessionId: checkinResult.sessions[0].id,
      checkinCode: checkinCode(checkinResult.sessions[0].id),
      checkinUserIds,
      recordMemberId: recordMember.id,
      searchQuery: normalizeArabic(LAST[3]),
      coordinatorUnitId: coordCity.id,
      month: `${monthParts.year}-${String(monthParts.month).padStart(2, '0')}`,
    };
    insSetting.run('bench_fixture', JSON.stringify(fixture));
    insSetting.run('demo_seeded', `large:${opts.seed}:${day}`);
  })();

  log('creating indexes');
  for (const ix of indexes) sqlite.exec(ix.sql);
  log('checking foreign keys');
  sqlite.pragma('locking_mode = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const violations = sqlite.pragma('foreign_key_check') as unknown[];
  if (violations.length) throw new Error(`foreign key violations: ${JSON.stringify(violations.slice(0, 5))}`);
  log('switching back to WAL');
  sqlite.pragma('journal_mode = WAL');
  sqlite.close();
  log('done');
  return { fixture, counts, ms: Math.round(performance.now() - t0) };
}

// ------------------------------------------------------------------ command line

const isMain = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const { values } = parseArgs({
    options: {
      members: { type: 'string', default: '100000' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: 'tests/bench/large.sqlite' },
      now: { type: 'string' },
    },
  });
  const members = Number(values.members);
  const seed = Number(values.seed);
  if (!Number.isInteger(members) || members < 2000) {
    console.error('--members must be an integer of at least 2000');
    process.exit(1);
  }
  if (!Number.isInteger(seed)) {
    console.error('--seed must be an integer');
    process.exit(1);
  }
  if (values.now && !/^\d{4}-\d{2}-\d{2}$/.test(values.now)) {
    console.error('--now must be a date, YYYY-MM-DD');
    process.exit(1);
  }
  const result = await generateLarge({
    members,
    seed,
    out: values.out!,
    now: values.now,
    log: (m) => console.log(`  ${m}`),
  });
  const f = result.fixture;
  console.log(`\nWrote ${values.out} in ${(result.ms / 1000).toFixed(1)} s (seed ${seed}, for ${f.generatedFor}):`);
  for (const [k, v] of Object.entries(result.counts)) console.log(`  ${k.padEnd(18)} ${v.toLocaleString('en')}`);
  console.log('\nBenchmark fixture (also in settings.bench_fixture):');
  console.log(`  300-member roster: activity ${f.rosterActivityId}, session ${f.rosterSessionId}`);
  console.log(
    `  self check-in:     activity ${f.checkinActivityId}, session ${f.checkinSessionId} (code ${f.checkinCode}, ${f.checkinUserIds.length} members)`,
  );
  console.log(`  member record:     ${f.recordMemberId}`);
  console.log(`Logins: admin, office, coordinator, trainer, member — password ${PASSWORD}`);
}
