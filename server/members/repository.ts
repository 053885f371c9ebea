import { and, asc, desc, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import { councils, memberCouncils, members, memberWords, units, users } from '../../db/schema.ts';
import { normalizeArabic } from '../core/arabic.ts';
import { dataCache, deepFreeze } from '../core/cache.ts';
import { type Db, existsRow } from '../core/db.ts';
import { normalizePhone } from '../core/phone.ts';
import { activeUnitOptions } from '../units/repository.ts';
import { prefixEnd, searchWords } from './search.ts';

export type MemberRow = typeof members.$inferSelect;

export interface MemberFilters {
  q: string;
  /** path of the unit whose subtree to show */
  unitPath: string | null;
  councilId: number | null;
  gender: '' | 'f' | 'm';
  exec: '' | 'yes' | 'no';
  status: 'active' | 'inactive' | 'all';
  /** the viewer's scope: 'all' or unit path prefixes */
  scope: 'all' | string[];
}

const subtree = (path: string) => sql`(select id from ${units} where substr(path, 1, ${path.length}) = ${path})`;

/**
 * How a list query reaches its rows (SQLite has no statistics here, so the repository says):
 * - `unitIndex`: the unit conditions may use the unit index (the subtree's members drive).
 *   Off (`+unit_id`) when the rows are read in name (or id) order and the reading stops after
 *   a page, to keep SQLite on the name index instead of sorting the whole subtree (380 ms →
 *   40 ms for a 45,000-member subtree), and when the words of a search drive;
 * - `words` (a name search): 'drive' starts from the members the typed words find in
 *   `member_words` (a few index ranges, intersected); 'filter' looks each member read (from
 *   the subtree, or along the name index) up in the set of those members, built once;
 *   'check' seeks each one's words in member_words_member_idx (no set to build: for words
 *   that match most members);
 * - `walk`: the page is read along an index in its own order and the reading stops after it,
 *   instead of SQLite sorting every matching member: the name index (name order: SQLite walks
 *   it by itself when the unit index is off), the units in path order with each one's members in
 *   name order from members_unit_name_idx (unit order: `from units cross join members`, the unit
 *   conditions on the units), or members_birth_idx (birth-year order, named with `indexed by`:
 *   without statistics SQLite would rather sort; it holds the status and the unit, so a
 *   coordinator's walk reads no row it does not list). Its words are 'filter' or 'check'.
 */
interface Access {
  unitIndex: boolean;
  words: 'drive' | 'filter' | 'check';
  walk?: boolean;
}

const ACCESS_UNITS: Access = { unitIndex: true, words: 'drive' };

/**
 * About how many birth years the members have: read in descending birth year, a page's last
 * year is read whole (its members sorted by name), about this fraction of the members.
 */
const BIRTH_YEARS = 50;

/** a word range is counted up to this many rows (2.5 ms); above, the search counts as matching everyone */
const HITS_COUNTED = 50_000;

/** a search whose rarest word begins this many words of names is broad: see SEARCH_COUNT_CAP */
const BROAD_HITS = 10_000;

/**
 * A search whose words begin that many words of names (one or two letters: "م", "ال") matches a
 * good part of the organisation. Nobody reads thousands of results, and counting them all cost
 * 25–65 ms on the 100,000-member file: such a search is counted up to this many members, and the
 * list says "more than" and asks for another word.
 */
const SEARCH_COUNT_CAP = 1_000;

/** how a broad search is counted up to the cap: through the viewer's units, or along one typed word (the others checked) */
type CappedWay = { from: 'units' } | { from: 'word'; word: string; others: string[] };

interface PageOpts {
  sort: string;
  dir: 'asc' | 'desc';
  limit: number;
  offset: number;
}

/** a page of the list: its sort, the direction and the row it ends at */
interface PageEnd {
  sort: string;
  dir: 'asc' | 'desc';
  end: number;
}

/**
 * About how many members a walk (see Access) reads to reach the end of a page, when `matches`
 * of them are listed: in unit order the members of the unit conditions only (`inUnits`, or
 * everyone), in the other orders everyone along the index; in descending birth year the page's
 * last year is read whole (its members sorted by name). Null for an order no index gives.
 */
function walkRead(page: PageEnd, matches: number, people: number, inUnits: number | null): number | null {
  const m = Math.max(matches, 1);
  if (page.sort === 'name' || page.sort === 'created') return (page.end * people) / m;
  if (page.sort === 'birthYear') return (page.end * people) / m + (page.dir === 'desc' ? people / BIRTH_YEARS : 0);
  if (page.sort === 'unit') return Math.min(inUnits ?? people, (page.end * (inUnits ?? people)) / m);
  return null;
}

export type ListRow = ReturnType<MembersRepository['readPage']>['rows'][number];

/** Queries behind members. */
export class MembersRepository {
  constructor(private db: Db) {}

  /** The search kind of a query: none, a phone number (whole or part) or name words. */
  private search(q: string) {
    const norm = normalizeArabic(q);
    if (!norm) return { kind: 'none' as const };
    const digits = norm.replace(/[\s+\-()]/g, '');
    if (/^\d{4,}$/.test(digits)) return { kind: 'phone' as const, phone: normalizePhone(norm), digits };
    return { kind: 'words' as const, words: searchWords(norm) };
  }

  /**
   * `unitsFirst`: the units are the outer loop (the walk in unit order), so the unit conditions
   * are theirs, checked on each unit read in path order (a plain `units.id in` would read them by id)
   */
  private where(f: MemberFilters, access: Access, s = this.search(f.q), unitsFirst = false): SQL | undefined {
    const conds: SQL[] = [];
    const unitId = unitsFirst ? sql`+${units.id}` : access.unitIndex ? sql`${members.unitId}` : sql`+${members.unitId}`;
    if (f.scope !== 'all') {
      if (f.scope.length === 0) conds.push(sql`0`);
      else
        conds.push(
          sql`(${sql.join(
            f.scope.map((p) => sql`${unitId} in ${subtree(p)}`),
            sql` or `,
          )})`,
        );
    }
    if (f.unitPath) conds.push(sql`${unitId} in ${subtree(f.unitPath)}`);
    // a walk checks each member read against the council's set; the set must not drive it
    if (f.councilId)
      conds.push(
        sql`${access.walk ? sql`+${members.id}` : members.id} in (select member_id from ${memberCouncils} where council_id = ${f.councilId})`,
      );
    // the columns of the member's row: when a search's set filters the rows read along an
    // index, that cheap look-up goes first and only its hits read their row (0.7 → 0.55 ms)
    const rowConds: SQL[] = [];
    if (f.gender) rowConds.push(eq(members.gender, f.gender));
    if (f.exec) rowConds.push(eq(members.isExecutive, f.exec === 'yes'));
    if (f.status !== 'all') rowConds.push(eq(members.status, f.status));
    if (access.words !== 'filter') conds.push(...rowConds);
    // a whole phone number: one index lookup; part of one: a scan of the phone column
    if (s.kind === 'phone' && s.phone) conds.push(eq(members.phone, s.phone));
    else if (s.kind === 'phone') conds.push(sql`${members.phone} like ${`%${s.digits.replace(/^0+/, '')}%`}`);
    else if (s.kind === 'words' && s.words.length === 0) conds.push(sql`0`);
    else if (s.kind === 'words' && access.words !== 'check') {
      // the members having, for every typed word, a word that begins with it
      const sets = s.words.map(
        (w) =>
          sql`select ${memberWords.memberId} from ${memberWords} where ${memberWords.token} >= ${w} and ${memberWords.token} < ${prefixEnd(w)}`,
      );
      const id = access.words === 'drive' ? sql`${members.id}` : sql`+${members.id}`;
      conds.push(sql`${id} in (${sql.join(sets, sql` intersect `)})`);
    } else if (s.kind === 'words')
      for (const w of s.words)
        conds.push(
          existsRow(
            sql`select 1 from ${memberWords} where ${memberWords.memberId} = ${members.id} and ${memberWords.token} >= ${w} and ${memberWords.token} < ${prefixEnd(w)}`,
          ),
        );
    if (access.words === 'filter') conds.push(...rowConds);
    return conds.length ? and(...conds) : undefined;
  }

  /**
   * A page of the member list, with the count of all it matches. A page is kept while the data
   * is unchanged (core/cache.ts): going back from a member to the results, or another office
   * user's same search, reads nothing again; the rows are frozen, being shared.
   */
  list(f: MemberFilters, opts: PageOpts): { rows: readonly Readonly<ListRow>[]; total: number; more: boolean } {
    return dataCache(this.db, 'member-pages', 100).get(`${JSON.stringify(f)}|${JSON.stringify(opts)}`, () =>
      deepFreeze(this.readPage(f, opts)),
    );
  }

  private readPage(f: MemberFilters, opts: PageOpts) {
    const search = this.search(f.q);
    // The count, and the sizes the way to a page is chosen from, depend on the filters only:
    // paging through a search or sorting it again reuses them while the data is unchanged (a
    // family name shared by 1,600 members costs 1.4 ms to count on the 100,000-member file).
    const { total, more, ways } = dataCache(this.db, 'member-counts', 200).get(`members:${JSON.stringify(f)}`, () => {
      const ways = search.kind === 'words' && search.words.length > 0 ? this.searchWays(f, search.words) : null;
      if (ways?.broad) {
        const n = this.countUpTo(f, ways.capped(), SEARCH_COUNT_CAP + 1);
        return Object.freeze({ total: Math.min(n, SEARCH_COUNT_CAP), more: n > SEARCH_COUNT_CAP, ways });
      }
      // a part of a phone number reads every row anyway: one sequential scan beats 45,000 index hops
      const total = this.db
        .select({ n: sql<number>`count(*)` })
        .from(members)
        .where(this.where(f, ways ? ways.count() : { unitIndex: search.kind === 'none', words: 'drive' }))
        .get()!.n;
      return Object.freeze({
        total,
        more: false,
        ways: ways ?? (search.kind === 'none' ? this.plainWays(f, total) : null),
      });
    });
    const byOrder = opts.sort === 'name' || opts.sort === 'created';
    const page: PageEnd = { sort: opts.sort, dir: opts.dir, end: opts.offset + opts.limit };
    // a phone number: its few members sorted (or, for a part of one, every row read in name order)
    const access: Access = ways ? ways.page(total, more, page) : { unitIndex: !byOrder, words: 'drive' };
    const order = opts.dir === 'desc' ? desc : asc;
    const sortCols = {
      name: [order(members.nameSearch)],
      // (a walk adds the unit's id, which changes nothing, paths being unique, but tells SQLite
      // that the members read after each unit are in order)
      unit: [order(units.path), ...(access.walk ? [order(units.id)] : []), asc(members.nameSearch)],
      birthYear: [order(members.birthYear), asc(members.nameSearch)],
      created: [order(members.id)],
    }[opts.sort] ?? [asc(members.nameSearch)];
    // members of one name come in id order, the same way as the names: in descending name order
    // `id asc` made SQLite sort every matching member (64 ms for the 100,000 active ones) where
    // members_name_idx, read backwards, gives names and ids both descending
    const lastly = opts.sort === 'name' ? order(members.id) : asc(members.id);
    const list = this.db
      .select({
        id: members.id,
        fullName: members.fullName,
        nameLatin: members.nameLatin,
        gender: members.gender,
        birthYear: members.birthYear,
        phone: members.phone,
        isExecutive: members.isExecutive,
        status: members.status,
        unitId: units.id,
        unitNameAr: units.nameAr,
        unitNameEn: units.nameEn,
      })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId));
    const walk = access.walk && (page.sort === 'unit' || page.sort === 'birthYear');
    if (!walk)
      return {
        rows: list
          .where(this.where(f, access, search))
          .orderBy(...sortCols, lastly)
          .limit(opts.limit)
          .offset(opts.offset)
          .all(),
        total,
        more,
      };
    // A walk finds the page's ids from the indexes alone (a member's own row is read only for a
    // condition they do not hold), then reads those members: rows skipped by the offset, and those
    // of a birth year sorted by name in descending order, are never read whole.
    const ids =
      page.sort === 'unit'
        ? // the units in path order, each one's members in name order along members_unit_name_idx
          this.db
            .select({ id: members.id })
            .from(units)
            .crossJoin(members)
            .where(and(eq(members.unitId, units.id), this.where(f, access, search, true)))
            .orderBy(...sortCols, lastly)
            .limit(opts.limit)
            .offset(opts.offset)
        : // (Drizzle checks a column's table against the FROM, which here names the index too)
          this.db
            .select({ id: sql<number>`${members.id}` })
            .from(sql`${members} indexed by members_birth_idx`)
            .where(this.where(f, access, search))
            .orderBy(...sortCols, lastly)
            .limit(opts.limit)
            .offset(opts.offset);
    return {
      rows: list
        .where(inArray(members.id, ids))
        .orderBy(...sortCols, lastly)
        .all(),
      total,
      more,
    };
  }

  /**
   * How many members a broad search finds, up to `max`: walking the range of one typed word in
   * the word index (every entry a hit; its member read by id, the other words checked), which
   * stops after `max` members (0.4–1.6 ms on the 100,000-member file, where counting them all
   * cost 25–65 ms); or, when the viewer's units hold few members, walking those and checking
   * each one's words.
   */
  private countUpTo(f: MemberFilters, way: CappedWay, max: number): number {
    const found =
      way.from === 'units'
        ? this.db
            .select({ id: members.id })
            .from(members)
            .where(this.where(f, { unitIndex: true, words: 'check' }))
            .limit(max)
            .as('found')
        : this.db
            .selectDistinct({ id: memberWords.memberId })
            .from(memberWords)
            .crossJoin(members)
            .where(
              and(
                eq(members.id, memberWords.memberId),
                sql`${memberWords.token} >= ${way.word} and ${memberWords.token} < ${prefixEnd(way.word)}`,
                this.where(
                  f,
                  { unitIndex: false, words: 'check' },
                  way.others.length ? { kind: 'words', words: way.others } : { kind: 'none' },
                ),
              ),
            )
            .limit(max)
            .as('found');
    return this.db.select({ n: sql<number>`count(*)` }).from(found).get()!.n;
  }

  /**
   * How to reach the members of a name search, from what each way costs on the
   * 100,000-member file (SQLite keeps no statistics here, so it cannot tell). `hits`: about
   * how many members the typed words find (the smallest word range, counted up to 50,000);
   * `setHits`: the entries of every typed word's range, which the set of hits is built from
   * (intersected); `inUnits`: the members of the unit conditions (subtree), counted in the unit
   * index. In µs: the set costs 0.12 an entry to build, and looking each hit up 0.48 more (0.73
   * for a page: with the columns it shows); a member of
   * the subtree 0.1 to count through the unit index, 0.25 to read; checking one member's
   * words in member_words_member_idx 2 a word; reading the name index 0.1 a row; sorting the
   * rows of a page's query 0.8 a row.
   */
  /** about how many members there are (the highest id: one step of the primary key) */
  private people(): number {
    return this.db
      .select({ n: sql<number>`coalesce(max(${members.id}), 0)` })
      .from(members)
      .get()!.n;
  }

  private searchWays(f: MemberFilters, words: string[]) {
    const people = this.people();
    const perWord = words.map(
      (w) =>
        (
          this.db.$client
            .prepare(
              `select count(*) as n from (select 1 from member_words where token >= ? and token < ? limit ${HITS_COUNTED})`,
            )
            .get(w, prefixEnd(w)) as { n: number }
        ).n,
    );
    const counted = Math.min(...perWord);
    const rarest = words[perWord.indexOf(counted)];
    const hits = counted < HITS_COUNTED ? counted : Math.max(counted, people);
    // the set of hits is built from every typed word's range (intersected), not the rarest only
    const setHits = perWord.reduce((sum, n) => sum + (n < HITS_COUNTED ? n : Math.max(n, people)), 0);
    const check = 2 * words.length;
    const inUnits =
      f.scope === 'all' && !f.unitPath
        ? null
        : this.db
            .select({ n: sql<number>`count(*)` })
            .from(members)
            .where(this.where({ ...f, q: '', councilId: null, gender: '', exec: '', status: 'all' }, ACCESS_UNITS))
            .get()!.n;
    const cheapest = (ways: [Access, number][]) => ways.reduce((a, b) => (b[1] < a[1] ? b : a))[0];
    const fromUnits = (perMember: number, sort: number): [Access, number][] =>
      inUnits === null
        ? []
        : [
            [{ unitIndex: true, words: 'filter' }, 0.12 * setHits + perMember * inUnits + sort],
            [{ unitIndex: true, words: 'check' }, check * inUnits + sort],
          ];
    return {
      hits,
      /** the words begin so many words of names that the search is counted only up to SEARCH_COUNT_CAP */
      broad: counted >= BROAD_HITS,
      /**
       * the capped count: along the rarest word's range (µs: 0.5 an entry, as many entries as it
       * takes to find SEARCH_COUNT_CAP members of the viewer's units), or through those units
       * checking each member's words, when they hold few members
       */
      capped: (): CappedWay => {
        const alongWord = 0.5 * Math.min(hits, ((SEARCH_COUNT_CAP + 1) * people) / Math.max(inUnits ?? people, 1));
        return inUnits !== null && check * inUnits < alongWord
          ? { from: 'units' }
          : { from: 'word', word: rarest, others: words.filter((w) => w !== rarest) };
      },
      /** the count: from the hits, or from the subtree's members (looking each up in the hits, or checking its words) */
      count: (): Access =>
        cheapest([[{ unitIndex: false, words: 'drive' }, 0.12 * setHits + 0.48 * hits], ...fromUnits(0.1, 0)]),
      /**
       * a page of a search that matched `total` members (counted only up to the cap when `more`):
       * from the hits or from the subtree's members, sorted; or, in any order, walking an index
       * in that order and stopping after the page
       */
      page: (total: number, more: boolean, page: PageEnd): Access => {
        // a search counted only up to the cap matches about its words' hits, in the viewer's share of the members
        const matches = more ? Math.max(total, (hits * (inUnits ?? people)) / Math.max(people, 1)) : total;
        const read = total > 0 ? walkRead(page, matches, people, inUnits) : null;
        // the birth-year index tells a member of the viewer's units without its row: only those
        // have their words checked (the name index does not, so there each one read is checked)
        const checked =
          read !== null && page.sort === 'birthYear'
            ? 0.1 * read + (check * read * (inUnits ?? people)) / Math.max(people, 1)
            : check * (read ?? 0);
        return cheapest([
          [{ unitIndex: false, words: 'drive' }, 0.12 * setHits + 0.73 * hits + 0.8 * matches],
          ...fromUnits(0.25, 0.8 * matches),
          ...(read === null
            ? []
            : ([
                [{ unitIndex: false, words: 'filter', walk: true }, 0.12 * setHits + 0.1 * read],
                [{ unitIndex: false, words: 'check', walk: true }, checked],
              ] as [Access, number][])),
        ]);
      },
    };
  }

  /**
   * How to reach a page of the list without a search, from the same costs as searchWays (µs on
   * the 100,000-member file): walking an index in the page's order, 0.1 a member read, 0.75 when
   * its row must be read too for a condition the index does not hold (gender, executive; its
   * unit and status along the name index); or reading the
   * matching members (through the unit index, the council's members or the whole table, 0.25
   * each) and sorting them (0.8 each). Everyone in name order is 5 ms at page 20, where a
   * city's 3,111 members cost 24 ms along the name index and 4 ms sorted.
   */
  private plainWays(f: MemberFilters, total: number) {
    const people = this.people();
    const unitConds = f.scope !== 'all' || f.unitPath !== null;
    const rowConds = f.gender !== '' || f.exec !== '';
    // the members of the unit conditions with the status asked for: what the unit index reads
    const inUnits = !unitConds
      ? null
      : !rowConds && !f.councilId
        ? total
        : this.db
            .select({ n: sql<number>`count(*)` })
            .from(members)
            .where(this.where({ ...f, q: '', councilId: null, gender: '', exec: '' }, ACCESS_UNITS))
            .get()!.n;
    return {
      page: (_total: number, _more: boolean, page: PageEnd): Access => {
        const read = walkRead(page, total, people, inUnits);
        const alongName = page.sort === 'name' || page.sort === 'created';
        const rowRead = rowConds || (alongName && (unitConds || f.status !== 'all'));
        const walk = read === null ? Number.POSITIVE_INFINITY : (rowRead ? 0.75 : 0.1) * read;
        const sort = 0.25 * (inUnits ?? (f.councilId ? total : people)) + 0.8 * total;
        return walk <= sort ? { unitIndex: false, words: 'drive', walk: true } : { unitIndex: true, words: 'drive' };
      },
    };
  }

  /** every filtered member with unit and councils, for the CSV export */
  exportRows(f: MemberFilters) {
    return this.db
      .select({
        id: members.id,
        fullName: members.fullName,
        nameLatin: members.nameLatin,
        unitId: members.unitId,
        unitNameAr: units.nameAr,
        gender: members.gender,
        birthYear: members.birthYear,
        phone: members.phone,
        isExecutive: members.isExecutive,
        status: members.status,
        notes: members.notes,
        councils: sql<string | null>`(select group_concat(c.name_ar, char(31)) from ${memberCouncils} mc
                   join ${councils} c on c.id = mc.council_id where mc.member_id = ${members.id})`,
      })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(this.where(f, { unitIndex: false, words: 'drive' }))
      .orderBy(asc(members.id))
      .all();
  }

  find(id: number) {
    return this.db
      .select({ member: members, unit: units })
      .from(members)
      .innerJoin(units, eq(units.id, members.unitId))
      .where(eq(members.id, id))
      .get();
  }

  /** members by id with their unit path (import updates) */
  findMany(ids: number[]) {
    if (ids.length === 0) return new Map<number, MemberRow & { unitPath: string }>();
    const out = new Map<number, MemberRow & { unitPath: string }>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = this.db
        .select({ member: members, unitPath: units.path })
        .from(members)
        .innerJoin(units, eq(units.id, members.unitId))
        .where(inArray(members.id, ids.slice(i, i + 500)))
        .all();
      for (const r of rows) out.set(r.member.id, { ...r.member, unitPath: r.unitPath });
    }
    return out;
  }

  /** active members by phone (phone → member id and unit path) */
  activeByPhones(phones: string[]) {
    const out = new Map<string, { id: number; unitPath: string }>();
    for (let i = 0; i < phones.length; i += 500) {
      const rows = this.db
        .select({ id: members.id, phone: members.phone, unitPath: units.path })
        .from(members)
        .innerJoin(units, eq(units.id, members.unitId))
        .where(and(eq(members.status, 'active'), inArray(members.phone, phones.slice(i, i + 500))))
        .all();
      for (const r of rows) if (r.phone) out.set(r.phone, { id: r.id, unitPath: r.unitPath });
    }
    return out;
  }

  activeWithPhone(phone: string, exceptId: number | null) {
    return this.db
      .select({ id: members.id })
      .from(members)
      .where(
        and(
          eq(members.phone, phone),
          eq(members.status, 'active'),
          exceptId ? sql`${members.id} <> ${exceptId}` : undefined,
        ),
      )
      .get();
  }

  councilsOf(memberId: number) {
    return this.db
      .select({
        id: councils.id,
        nameAr: councils.nameAr,
        nameEn: councils.nameEn,
        kind: councils.kind,
        archivedAt: councils.archivedAt,
      })
      .from(memberCouncils)
      .innerJoin(councils, eq(councils.id, memberCouncils.councilId))
      .where(eq(memberCouncils.memberId, memberId))
      .orderBy(asc(councils.nameAr))
      .all();
  }

  /** memberId → council ids, for many members at once */
  councilIdsOf(memberIds: number[]) {
    const out = new Map<number, number[]>();
    for (let i = 0; i < memberIds.length; i += 500) {
      const rows = this.db
        .select()
        .from(memberCouncils)
        .where(inArray(memberCouncils.memberId, memberIds.slice(i, i + 500)))
        .all();
      for (const r of rows) out.set(r.memberId, [...(out.get(r.memberId) ?? []), r.councilId]);
    }
    return out;
  }

  /** the units a select box offers (not archived), in path order (shared: core/cache.ts) */
  unitOptions() {
    return activeUnitOptions(this.db);
  }

  activeCouncils() {
    return this.db.select().from(councils).where(isNull(councils.archivedAt)).orderBy(asc(councils.nameAr)).all();
  }

  allCouncils() {
    return this.db.select().from(councils).orderBy(asc(councils.nameAr)).all();
  }

  linkedUser(memberId: number) {
    return this.db
      .select({ id: users.id, username: users.username, active: users.active })
      .from(users)
      .where(eq(users.memberId, memberId))
      .get();
  }

  insert(values: Omit<typeof members.$inferInsert, 'id'>): number {
    return this.db.insert(members).values(values).returning({ id: members.id }).get().id;
  }

  update(id: number, values: Partial<typeof members.$inferInsert>): void {
    this.db
      .update(members)
      .set({ ...values, updatedAt: new Date() })
      .where(eq(members.id, id))
      .run();
  }

  setCouncils(memberId: number, councilIds: number[]): void {
    this.db.delete(memberCouncils).where(eq(memberCouncils.memberId, memberId)).run();
    if (councilIds.length)
      this.db
        .insert(memberCouncils)
        .values([...new Set(councilIds)].map((councilId) => ({ memberId, councilId })))
        .run();
  }
}
