import { randomBytes } from 'node:crypto';
import { normalizeArabic } from '../core/arabic.ts';
import type { AuditRepository } from '../core/audit.ts';
import { dataCache } from '../core/cache.ts';
import { type Db, tx } from '../core/db.ts';
import { FormError, forbidden, notFound } from '../core/errors.ts';
import { normalizePhone } from '../core/phone.ts';
import { authorize, can, unitScope, unitScopeKey, type Viewer } from '../core/policy.ts';
import { UnitsRepository } from '../units/repository.ts';
import { treeOrder } from '../units/service.ts';
import {
  type Column,
  type ParsedFile,
  parseMembersCsv,
  type RawRow,
  readGender,
  readStatus,
  readYesNo,
  splitList,
  toCsv,
  unformula,
  WRITE,
} from './csv.ts';
import { type MemberFilters, type MemberRow, MembersRepository } from './repository.ts';
import { type MemberForm, type MembersQuery, MIN_BIRTH_YEAR, maxBirthYear } from './schemas.ts';

export const PAGE_SIZE = 50;
/** how long an uploaded file waits for its confirmation */
export const IMPORT_TTL_MS = 30 * 60_000;

export interface RowProblem {
  key: string;
  params?: Record<string, string | number>;
}

export interface MemberValues {
  fullName: string;
  nameLatin: string | null;
  unitId: number;
  gender: 'f' | 'm';
  birthYear: number | null;
  phone: string | null;
  isExecutive: boolean;
  status: 'active' | 'inactive';
  notes: string | null;
}

export interface ImportRow {
  line: number;
  raw: RawRow;
  problems: RowProblem[];
  action: 'create' | 'update' | 'unchanged' | null;
  memberId: number | null;
  values: MemberValues | null;
  /** null: the file has no councils column, keep what the member has */
  councilIds: number[] | null;
}

export interface ImportCheck {
  rows: ImportRow[];
  counts: { create: number; update: number; unchanged: number; problems: number };
}

interface PendingImport {
  userId: number;
  file: Buffer;
  filename: string;
  expiresAt: number;
}

const searchName = (fullName: string, nameLatin: string | null) => normalizeArabic(`${fullName} ${nameLatin ?? ''}`);

/** Members: the office manages all; coordinators the members of their unit and the units below. */
export class MembersService {
  private repo: MembersRepository;
  private units: UnitsRepository;
  private pending = new Map<string, PendingImport>();

  constructor(
    private db: Db,
    private audit: AuditRepository,
  ) {
    this.repo = new MembersRepository(db);
    this.units = new UnitsRepository(db);
  }

  // ------------------------------------------------------------------ reading

  private filters(viewer: Viewer, q: MembersQuery): MemberFilters {
    let unitPath: string | null = null;
    if (q.unit) {
      const unit = this.units.find(q.unit);
      if (!unit) throw notFound();
      if (!can(viewer, 'units.viewOne', unit.path)) throw forbidden();
      unitPath = unit.path;
    }
    return {
      q: q.q,
      unitPath,
      councilId: q.council,
      gender: q.gender,
      exec: q.exec,
      status: q.status,
      scope: unitScope(viewer),
    };
  }

  list(viewer: Viewer | null, q: MembersQuery) {
    authorize(viewer, 'members.list');
    const { rows, total, more } = this.repo.list(this.filters(viewer, q), {
      sort: q.sort,
      dir: q.dir,
      limit: PAGE_SIZE,
      offset: (q.page - 1) * PAGE_SIZE,
    });
    // `more`: a search of one or two letters, counted up to SEARCH_COUNT_CAP (its pages stop there)
    return { rows, total, more, page: q.page, pages: Math.max(1, Math.ceil(total / PAGE_SIZE)) };
  }

  /**
   * Units and councils for filter and form select boxes. The units of a scope (331 in the
   * large organisation) are kept while the data is unchanged (core/cache.ts).
   */
  options(viewer: Viewer | null) {
    authorize(viewer, 'members.list');
    const scope = unitScope(viewer);
    // names the list, for the pages that keep its rendered select (pageLocals' kept)
    const unitsKey = `members.units:${unitScopeKey(viewer)}`;
    const units = dataCache(this.db).get(unitsKey, () =>
      treeOrder(this.repo.unitOptions().filter((u) => scope === 'all' || scope.some((p) => u.path.startsWith(p)))),
    );
    return { units, unitsKey, councils: this.repo.activeCouncils() };
  }

  /** One member; outside the viewer's units it does not exist (404). */
  get(viewer: Viewer | null, id: number) {
    authorize(viewer, 'members.list');
    const found = this.repo.find(id);
    if (!found || !can(viewer, 'members.manageIn', found.unit.path)) throw notFound();
    return {
      member: found.member,
      unit: found.unit,
      ancestors: this.units.ancestors(found.unit.path).filter((u) => can(viewer, 'units.viewOne', u.path)),
      councils: this.repo.councilsOf(id),
      login: can(viewer, 'users.manage') ? (this.repo.linkedUser(id) ?? null) : null,
      canCreateLogin: can(viewer, 'users.manage'),
    };
  }

  exportCsv(viewer: Viewer | null, q: MembersQuery, lang: 'ar' | 'en'): string {
    authorize(viewer, 'members.list');
    const w = WRITE[lang];
    const rows = this.repo.exportRows(this.filters(viewer, q)).map((r) => ({
      id: r.id,
      fullName: r.fullName,
      nameLatin: r.nameLatin,
      unitId: r.unitId,
      unit: r.unitNameAr,
      gender: w[r.gender],
      birthYear: r.birthYear,
      phone: r.phone,
      isExecutive: r.isExecutive ? w.yes : w.no,
      councils: r.councils ? r.councils.split('\u001f').join(w.sep) : '',
      status: w[r.status],
      notes: r.notes,
    }));
    this.audit.record({
      userId: viewer.userId,
      action: 'member.export',
      entity: 'member',
      details: { filters: q, rows: rows.length },
    });
    return toCsv(lang, rows);
  }

  /** A small example file with real unit and council names from the viewer's scope. */
  sampleCsv(viewer: Viewer | null, lang: 'ar' | 'en'): string {
    const { units, councils } = this.options(viewer);
    const w = WRITE[lang];
    const unitA = units[units.length > 1 ? 1 : 0];
    const unitB = units[units.length - 1];
    const examples = [
      {
        fullName: 'هيفاء أحمد الخلف',
        nameLatin: 'Haifaa Ahmad al-Khalaf',
        unit: unitA?.nameAr ?? '',
        gender: w.f,
        birthYear: 1996,
        phone: '0944 123 456',
        isExecutive: w.no,
        councils: councils
          .slice(0, 2)
          .map((c) => c.nameAr)
          .join(w.sep),
        status: w.active,
      },
      {
        fullName: 'خالد محمود العلي',
        unit: unitB?.nameAr ?? '',
        gender: w.m,
        birthYear: 1988,
        phone: '+963 933 654 321',
        isExecutive: w.yes,
        status: w.active,
        notes: lang === 'ar' ? 'عضو الهيئة التنفيذية منذ 2019' : 'executive body since 2019',
      },
    ];
    return toCsv(lang, examples);
  }

  // ------------------------------------------------------------------ changing

  private checkForm(viewer: Viewer, form: MemberForm, existing: { id: number; councilIds: number[] } | null) {
    const errors: Record<string, string> = {};
    const unit = form.unitId ? this.units.find(form.unitId) : undefined;
    if (!unit || unit.archivedAt || !can(viewer, 'members.manageIn', unit.path)) errors.unitId = 'members.errors.unit';
    if (form.phone && form.status === 'active' && this.repo.activeWithPhone(form.phone, existing?.id ?? null))
      errors.phone = 'members.errors.phoneTaken';
    const active = new Set(this.repo.activeCouncils().map((c) => c.id));
    if (form.councilIds.some((id) => !active.has(id) && !existing?.councilIds.includes(id)))
      errors.councilIds = 'members.errors.council';
    if (Object.keys(errors).length) throw new FormError(errors);
  }

  private valuesOf(form: MemberForm) {
    return {
      fullName: form.fullName,
      nameLatin: form.nameLatin,
      nameSearch: searchName(form.fullName, form.nameLatin),
      unitId: form.unitId!,
      gender: form.gender,
      birthYear: form.birthYear,
      phone: form.phone,
      isExecutive: form.isExecutive,
      status: form.status,
      notes: form.notes,
    };
  }

  create(viewer: Viewer | null, form: MemberForm): number {
    authorize(viewer, 'members.list');
    return tx(this.db, () => {
      this.checkForm(viewer, form, null);
      const id = this.repo.insert(this.valuesOf(form));
      this.repo.setCouncils(id, form.councilIds);
      this.audit.record({
        userId: viewer.userId,
        action: 'member.create',
        entity: 'member',
        entityId: id,
        details: form,
      });
      return id;
    });
  }

  update(viewer: Viewer | null, id: number, form: MemberForm): void {
    const { member, councils } = this.get(viewer, id);
    authorize(viewer, 'members.list');
    tx(this.db, () => {
      const councilIds = councils.map((c) => c.id);
      this.checkForm(viewer, form, { id, councilIds });
      // memberships of archived councils are not on the form: keep them
      const keep = councils.filter((c) => c.archivedAt).map((c) => c.id);
      this.repo.update(id, this.valuesOf(form));
      this.repo.setCouncils(id, [...form.councilIds, ...keep]);
      this.audit.record({
        userId: viewer.userId,
        action: 'member.update',
        entity: 'member',
        entityId: id,
        details: { before: { ...member, councilIds }, after: form },
      });
    });
  }

  // ------------------------------------------------------------------ import

  /** Keeps an uploaded file until it is confirmed; returns the token the confirm form posts. */
  keepUpload(viewer: Viewer, file: Buffer, filename: string): string {
    const now = Date.now();
    for (const [k, p] of this.pending) if (p.expiresAt < now || p.userId === viewer.userId) this.pending.delete(k);
    const token = randomBytes(24).toString('base64url');
    this.pending.set(token, { userId: viewer.userId, file, filename, expiresAt: now + IMPORT_TTL_MS });
    return token;
  }

  private takeUpload(viewer: Viewer, token: string): PendingImport {
    const p = this.pending.get(token);
    if (!p || p.userId !== viewer.userId || p.expiresAt < Date.now())
      throw new FormError({ file: 'members.import.errors.expired' });
    return p;
  }

  /** Reads a file and checks every row against the database; writes nothing. */
  preview(viewer: Viewer | null, file: Buffer): { parsed: ParsedFile; check: ImportCheck | null } {
    authorize(viewer, 'members.import');
    const parsed = parseMembersCsv(file);
    return { parsed, check: parsed.ok ? this.check(viewer, parsed.columns, parsed.rows) : null };
  }

  private check(viewer: Viewer, columns: Column[], raws: RawRow[]): ImportCheck {
    const has = new Set(columns);
    const scope = unitScope(viewer);
    const units = this.units
      .all({ withArchived: false })
      .filter((u) => scope === 'all' || scope.some((p) => u.path.startsWith(p)));
    const unitById = new Map(units.map((u) => [u.id, u]));
    const unitsByName = new Map<string, number[]>();
    for (const u of units)
      for (const n of new Set([u.nameAr, u.nameEn].filter(Boolean).map((s) => normalizeArabic(s!))))
        unitsByName.set(n, [...(unitsByName.get(n) ?? []), u.id]);
    const councilByName = new Map<string, number>();
    for (const c of this.repo.activeCouncils())
      for (const n of [c.nameAr, c.nameEn]) if (n) councilByName.set(normalizeArabic(n), c.id);

    const rows: ImportRow[] = raws.map((raw) => {
      const problems: RowProblem[] = [];
      const textCell = (col: Column, max: number, required = false): string | null => {
        const { value, formula } = unformula(raw[col] ?? '');
        if (formula) problems.push({ key: 'members.import.problems.formula', params: { value: value.slice(0, 40) } });
        else if (!value && required) problems.push({ key: 'members.import.problems.missingName' });
        else if (value.length > max) problems.push({ key: 'members.import.problems.tooLong' });
        return value || null;
      };
      const fullName = textCell('fullName', 150, true);
      const nameLatin = textCell('nameLatin', 150);
      const notes = textCell('notes', 2000);

      let idValue: number | null = null;
      if (raw.id) {
        if (/^\d{1,12}$/.test(raw.id)) idValue = Number(raw.id);
        else problems.push({ key: 'members.import.problems.badId', params: { value: raw.id.slice(0, 20) } });
      }

      let unitId: number | null = null;
      const unitIdCell = raw.unitId ?? '';
      const unitCell = unformula(raw.unit ?? '');
      if (unitCell.formula)
        problems.push({ key: 'members.import.problems.formula', params: { value: unitCell.value.slice(0, 40) } });
      else if (unitIdCell || /^\d+$/.test(unitCell.value)) {
        const n = Number(unitIdCell || unitCell.value);
        if (unitById.has(n)) unitId = n;
        else
          problems.push({
            key: 'members.import.problems.unknownUnit',
            params: { value: unitIdCell || unitCell.value },
          });
      } else if (unitCell.value) {
        const ids = unitsByName.get(normalizeArabic(unitCell.value)) ?? [];
        if (ids.length === 1) unitId = ids[0];
        else if (ids.length > 1)
          problems.push({
            key: 'members.import.problems.ambiguousUnit',
            params: { value: unitCell.value.slice(0, 60) },
          });
        else
          problems.push({ key: 'members.import.problems.unknownUnit', params: { value: unitCell.value.slice(0, 60) } });
      } else problems.push({ key: 'members.import.problems.missingUnit' });

      const gender = readGender(raw.gender ?? '');
      if (!gender)
        problems.push({ key: 'members.import.problems.badGender', params: { value: (raw.gender ?? '').slice(0, 20) } });

      let birthYear: number | null = null;
      if (raw.birthYear) {
        const y = Number(raw.birthYear.replace(/[\u0660-\u0669]/g, (d) => String(d.charCodeAt(0) - 0x660)));
        if (Number.isInteger(y) && y >= MIN_BIRTH_YEAR && y <= maxBirthYear()) birthYear = y;
        else problems.push({ key: 'members.import.problems.badYear', params: { value: raw.birthYear.slice(0, 20) } });
      }

      let phone: string | null = null;
      const phoneCell = (raw.phone ?? '').replace(/^'(?=\+)/, '');
      if (phoneCell) {
        phone = normalizePhone(phoneCell);
        if (!phone)
          problems.push({ key: 'members.import.problems.badPhone', params: { value: phoneCell.slice(0, 30) } });
      }

      let isExecutive: boolean | null = null;
      if (has.has('isExecutive')) {
        isExecutive = readYesNo(raw.isExecutive ?? '');
        if (isExecutive === null)
          problems.push({
            key: 'members.import.problems.badExecutive',
            params: { value: (raw.isExecutive ?? '').slice(0, 20) },
          });
      }
      let status: 'active' | 'inactive' | null = null;
      if (has.has('status')) {
        status = readStatus(raw.status ?? '');
        if (status === null)
          problems.push({
            key: 'members.import.problems.badStatus',
            params: { value: (raw.status ?? '').slice(0, 20) },
          });
      }
      let councilIds: number[] | null = null;
      if (has.has('councils')) {
        const cell = unformula(raw.councils ?? '');
        if (cell.formula)
          problems.push({ key: 'members.import.problems.formula', params: { value: cell.value.slice(0, 40) } });
        councilIds = [];
        for (const name of cell.formula ? [] : splitList(cell.value)) {
          const id = councilByName.get(normalizeArabic(name));
          if (id) councilIds.push(id);
          else problems.push({ key: 'members.import.problems.unknownCouncil', params: { value: name.slice(0, 60) } });
        }
      }
      return {
        line: raw.line,
        raw,
        problems,
        action: null,
        memberId: idValue,
        values:
          fullName && unitId && gender
            ? {
                fullName,
                nameLatin,
                unitId,
                gender,
                birthYear,
                phone,
                isExecutive: isExecutive ?? false,
                status: status ?? 'active',
                notes,
              }
            : null,
        councilIds,
        // kept to decide "keep the member's value" for update rows
        ...{ _exec: isExecutive, _status: status },
      } as ImportRow & { _exec: boolean | null; _status: 'active' | 'inactive' | null };
    });

    // members the rows refer to: by number, else by phone among active members
    const existing = this.repo.findMany(rows.map((r) => r.memberId).filter((id): id is number => id !== null));
    const byPhone = this.repo.activeByPhones([
      ...new Set(rows.map((r) => r.values?.phone ?? null).filter((p): p is string => !!p)),
    ]);
    const currentCouncils = new Map<number, number[]>();
    const targets = new Map<number, number>();
    for (const r of rows as (ImportRow & { _exec: boolean | null; _status: 'active' | 'inactive' | null })[]) {
      let target: (MemberRow & { unitPath: string }) | null = null;
      if (r.memberId !== null) {
        const m = existing.get(r.memberId);
        if (!m || !can(viewer, 'members.manageIn', m.unitPath)) {
          r.problems.push({ key: 'members.import.problems.unknownMember', params: { value: r.memberId } });
        } else target = m;
      }
      const phone = r.values?.phone;
      const holder = phone ? byPhone.get(phone) : undefined;
      if (!target && r.memberId === null && holder) {
        if (can(viewer, 'members.manageIn', holder.unitPath)) {
          r.memberId = holder.id;
          target = this.repo.findMany([holder.id]).get(holder.id) ?? null;
        } else r.problems.push({ key: 'members.import.problems.phoneTaken', params: { value: phone! } });
      }
      if (target && r.values) {
        if (r._exec === null) r.values.isExecutive = target.isExecutive;
        if (r._status === null) r.values.status = target.status;
        if (holder && holder.id !== target.id && r.values.status === 'active')
          r.problems.push({ key: 'members.import.problems.phoneTaken', params: { value: phone! } });
      }
      if (target) {
        const seen = targets.get(target.id);
        if (seen !== undefined)
          r.problems.push({ key: 'members.import.problems.duplicateMember', params: { value: seen } });
        else targets.set(target.id, r.line);
      }
      delete (r as Partial<typeof r>)._exec;
      delete (r as Partial<typeof r>)._status;
    }
    // the same phone twice among rows that will be active
    const linesByPhone = new Map<string, number[]>();
    for (const r of rows)
      if (r.values?.phone && r.values.status === 'active')
        linesByPhone.set(r.values.phone, [...(linesByPhone.get(r.values.phone) ?? []), r.line]);
    for (const r of rows) {
      const lines = r.values?.phone && r.values.status === 'active' ? linesByPhone.get(r.values.phone)! : [];
      if (lines.length > 1)
        r.problems.push({
          key: 'members.import.problems.duplicatePhone',
          params: { value: lines.filter((l) => l !== r.line).join('، ') },
        });
    }
    const updateIds = rows.filter((r) => r.memberId !== null && r.problems.length === 0).map((r) => r.memberId!);
    for (const [id, list] of this.repo.councilIdsOf(updateIds)) currentCouncils.set(id, list);
    const fresh = this.repo.findMany(updateIds);
    const counts = { create: 0, update: 0, unchanged: 0, problems: 0 };
    for (const r of rows) {
      if (r.problems.length || !r.values) {
        counts.problems++;
        continue;
      }
      if (r.memberId === null) {
        r.action = 'create';
        counts.create++;
        continue;
      }
      const m = fresh.get(r.memberId)!;
      const v = r.values;
      const before = (currentCouncils.get(m.id) ?? []).slice().sort().join();
      const same =
        m.fullName === v.fullName &&
        (m.nameLatin ?? null) === v.nameLatin &&
        m.unitId === v.unitId &&
        m.gender === v.gender &&
        (m.birthYear ?? null) === v.birthYear &&
        (m.phone ?? null) === v.phone &&
        m.isExecutive === v.isExecutive &&
        m.status === v.status &&
        (m.notes ?? null) === v.notes &&
        (r.councilIds === null || before === [...new Set(r.councilIds)].sort().join());
      r.action = same ? 'unchanged' : 'update';
      counts[r.action]++;
    }
    return { rows, counts };
  }

  /** Re-reads the kept file, re-checks it and writes every row in one transaction, or nothing. */
  commit(viewer: Viewer | null, token: string) {
    authorize(viewer, 'members.import');
    const pending = this.takeUpload(viewer, token);
    const result = tx(this.db, () => {
      const parsed = parseMembersCsv(pending.file);
      if (!parsed.ok) return { ok: false as const, parsed, check: null };
      const check = this.check(viewer, parsed.columns, parsed.rows);
      if (check.counts.problems > 0) return { ok: false as const, parsed, check };
      const created: number[] = [];
      const updated: number[] = [];
      for (const r of check.rows) {
        const v = r.values!;
        const values = { ...v, nameSearch: searchName(v.fullName, v.nameLatin) };
        if (r.action === 'create') {
          const id = this.repo.insert(values);
          this.repo.setCouncils(id, r.councilIds ?? []);
          created.push(id);
        } else if (r.action === 'update') {
          this.repo.update(r.memberId!, values);
          if (r.councilIds !== null) {
            // archived councils are not named in files: keep those memberships
            const archived = new Set(
              this.repo
                .councilsOf(r.memberId!)
                .filter((c) => c.archivedAt)
                .map((c) => c.id),
            );
            this.repo.setCouncils(r.memberId!, [...r.councilIds, ...archived]);
          }
          updated.push(r.memberId!);
        }
      }
      this.audit.record({
        userId: viewer.userId,
        action: 'member.import',
        entity: 'member',
        details: { file: pending.filename, created, updated, unchanged: check.counts.unchanged },
      });
      return { ok: true as const, created, updated, unchanged: check.counts.unchanged };
    });
    if (result.ok) this.pending.delete(token);
    return result;
  }

  pendingName(viewer: Viewer, token: string): string {
    return this.takeUpload(viewer, token).filename;
  }
}
