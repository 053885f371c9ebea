import fs from 'node:fs';
import path from 'node:path';
import type { ActivityKind, ActivityStatus } from '../../db/schema.ts';
import { randomString } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import type { AuditRepository } from '../core/audit.ts';
import { dataCache, deepFreeze } from '../core/cache.ts';
import { type Db, tx } from '../core/db.ts';
import { FormError, forbidden, notFound } from '../core/errors.ts';
import type { EventBus } from '../core/events.ts';
import {
  type ActivityAccess,
  authorize,
  can,
  isCoordinator,
  isOffice,
  isTrainer,
  unitScope,
  type Viewer,
} from '../core/policy.ts';
import { monthRange, parseLocalDateTime } from '../core/time.ts';
import { unitFilterOptions } from '../units/filter.ts';
import { inAudience } from './audience.ts';
import { cleanFilename, detectMaterialType, MAX_MATERIAL_BYTES } from './filetypes.ts';
import { ActivityRepository, type CatalogueScope } from './repository.ts';
import type { ActivityForm, CatalogueQuery } from './schemas.ts';

export const CATALOGUE_PAGE = 20;
export const PUBLIC_CATALOGUE_KEY = 'public_catalogue';

/** Which status may follow which. */
export const TRANSITIONS: Record<ActivityStatus, ActivityStatus[]> = {
  draft: ['open', 'cancelled'],
  open: ['running', 'draft', 'cancelled'],
  running: ['finished', 'cancelled'],
  finished: [],
  cancelled: [],
};

export type Activity = NonNullable<ReturnType<ActivityRepository['find']>>;

/** Activities: planning, status, who may see them, the catalogue and attached materials. */
export class ActivityService {
  readonly repo: ActivityRepository;

  constructor(
    private db: Db,
    private audit: AuditRepository,
    private events: EventBus,
    private config: Config,
  ) {
    this.repo = new ActivityRepository(db);
  }

  /** What the policy needs to decide about this viewer and this activity. */
  access(viewer: Viewer | null, a: Activity): ActivityAccess {
    let audience = false;
    let enrolled = false;
    if (viewer?.memberId) {
      const m = this.repo.memberFacts(viewer.memberId);
      if (m)
        audience = inAudience(
          {
            audienceKind: a.audienceKind,
            audienceUnitPath: a.audienceUnit?.path ?? null,
            councilIds: a.councils.map((c) => c.id),
            executiveOnly: a.executiveOnly,
          },
          m,
        );
      enrolled = this.repo.enrolled(a.id, viewer.memberId);
    }
    return {
      status: a.status,
      organisingUnitPath: a.organisingUnit.path,
      teaches: !!viewer && isTrainer(viewer) && this.repo.teaches(a.id, viewer.userId),
      enrolled,
      inAudience: audience,
    };
  }

  /** The activity when the viewer may see it: unknown → 404, not allowed → 403. */
  get(viewer: Viewer | null, id: number) {
    const a = this.repo.find(id);
    if (!a) throw notFound();
    const access = this.access(viewer, a);
    authorize(viewer, 'activities.view', access);
    return {
      activity: a,
      access,
      canPlan: can(viewer, 'activities.plan', a.kind, a.organisingUnit.path),
      canManageMaterials: can(viewer, 'materials.manage', { ...access, kind: a.kind }),
    };
  }

  /** The activity for planning (edit, status, sessions): only planners in scope. */
  getForPlanning(viewer: Viewer | null, id: number) {
    const a = this.repo.find(id);
    if (!a) throw notFound();
    if (!can(viewer, 'activities.plan', a.kind, a.organisingUnit.path)) {
      // hide the existence of activities the viewer may not even see
      const access = this.access(viewer, a);
      if (!can(viewer, 'activities.view', access)) throw notFound();
      throw forbidden();
    }
    return a;
  }

  summary(activityId: number) {
    const s = this.repo.sessionSummary(activityId);
    return {
      sessionCount: s.count,
      first: s.first === null ? null : new Date(s.first),
      last: s.last === null ? null : new Date(s.last),
      seatsTaken: this.repo.seatsTaken(activityId),
    };
  }

  /** Choices for the activity form, narrowed to what this viewer may pick. */
  formOptions(viewer: Viewer | null) {
    authorize(viewer, 'activities.create');
    const scope = unitScope(viewer);
    const allUnits = this.repo.unitOptions();
    return {
      units: scope === 'all' ? allUnits : allUnits.filter((u) => scope.some((p) => u.path.startsWith(p))),
      audienceUnits: allUnits,
      councils: this.repo.councilOptions(),
      phases: this.repo.phaseOptions(),
      kinds: (isOffice(viewer)
        ? ['course', 'seminar', 'lecture', 'circle']
        : ['seminar', 'lecture', 'circle']) as ActivityKind[],
    };
  }

  private toValues(viewer: Viewer, form: ActivityForm) {
    const errors: Record<string, string> = {};
    const tz = this.config.TAAHIL_TZ;
    const unit = this.repo.unit(form.organisingUnitId);
    if (!unit || unit.archivedAt) errors.organisingUnitId = 'activities.errors.unknownUnit';
    else if (!can(viewer, 'activities.plan', form.kind, unit.path)) {
      if (form.kind === 'course' && !isOffice(viewer)) errors.kind = 'activities.errors.courseOfficeOnly';
      else errors.organisingUnitId = 'activities.errors.unitOutOfScope';
    }
    let programmeId: number | null = null;
    if (form.phaseId) {
      const phase = this.repo.phase(form.phaseId);
      if (!phase) errors.phaseId = 'activities.errors.unknownPhase';
      else programmeId = phase.programmeId;
    }
    if (form.audienceKind === 'units' && form.audienceUnitId) {
      const au = this.repo.unit(form.audienceUnitId);
      if (!au || au.archivedAt) errors.audienceUnitId = 'activities.errors.unknownUnit';
    }
    const councilIds = form.audienceKind === 'councils' ? [...new Set(form.councilIds)] : [];
    if (councilIds.length && this.repo.existingCouncilIds(councilIds).length !== councilIds.length)
      errors.councilIds = 'activities.errors.unknownCouncil';
    if (Object.keys(errors).length) throw new FormError(errors);
    const dt = (v: string | null) => (v ? parseLocalDateTime(v.slice(0, 10), v.slice(11, 16), tz) : null);
    const values = {
      kind: form.kind,
      title: form.title,
      honoree: form.honoree,
      seriesNumber: form.seriesNumber,
      description: form.description,
      topics: form.topics,
      programmeId,
      phaseId: form.phaseId,
      organisingUnitId: form.organisingUnitId,
      audienceKind: form.audienceKind,
      audienceUnitId: form.audienceKind === 'units' ? form.audienceUnitId : null,
      executiveOnly: form.executiveOnly,
      location: form.location,
      capacity: form.capacity,
      selfEnrol: form.selfEnrol,
      autoApprove: form.autoApprove,
      enrolOpensAt: dt(form.enrolOpensAt),
      enrolClosesAt: dt(form.enrolClosesAt),
      withdrawCutoffAt: dt(form.withdrawCutoffAt),
      minAttendancePct: form.minAttendancePct,
      lateCounts: form.lateCounts,
      excusedExcluded: form.excusedExcluded,
      denominator: form.denominator,
      excusedWeight: form.excusedWeight,
      maxConsecutiveAbsences: form.maxConsecutiveAbsences,
      dropLowest: form.dropLowest,
      hasAssessment: form.hasAssessment,
      passMark: form.hasAssessment ? form.passMark : null,
      absenceAlertAfter: form.absenceAlertAfter,
      checkinOpensBeforeMin: form.checkinOpensBeforeMin,
      lateAfterMin: form.lateAfterMin,
      editWindowDays: form.editWindowDays,
    };
    return { values, councilIds };
  }

  create(viewer: Viewer | null, form: ActivityForm): number {
    authorize(viewer, 'activities.create');
    const { values, councilIds } = this.toValues(viewer, form);
    return tx(this.db, () => {
      const id = this.repo.insert({ ...values, createdBy: viewer.userId });
      this.repo.setCouncils(id, councilIds);
      this.audit.record({
        userId: viewer.userId,
        action: 'activity.create',
        entity: 'activity',
        entityId: id,
        details: { ...values, councilIds },
      });
      return id;
    });
  }

  update(viewer: Viewer | null, id: number, form: ActivityForm): void {
    const before = this.getForPlanning(viewer, id);
    authorize(viewer, 'activities.create');
    if (before.status === 'cancelled' || before.status === 'finished')
      throw new FormError({ _form: 'activities.errors.closed' });
    const { values, councilIds } = this.toValues(viewer, form);
    tx(this.db, () => {
      // checked inside the transaction so a concurrent approval cannot slip under it
      if (values.capacity !== null) {
        const taken = this.repo.seatsTaken(id);
        if (values.capacity < taken) throw new FormError({ capacity: 'activities.errors.capacityBelowApproved' });
      }
      // dropping as many sessions as are planned leaves nothing for the rule to count
      const planned = this.repo.sessionSummary(id).count;
      if (values.dropLowest > 0 && planned > 0 && values.dropLowest >= planned)
        throw new FormError({ dropLowest: 'followup.ruleErrors.dropTooMany' });
      this.repo.update(id, values);
      this.repo.setCouncils(id, councilIds);
      if (values.capacity !== before.capacity)
        this.events.emit('activity.capacityChanged', {
          activityId: id,
          from: before.capacity,
          to: values.capacity,
          byUserId: viewer.userId,
        });
      this.audit.record({
        userId: viewer.userId,
        action: 'activity.update',
        entity: 'activity',
        entityId: id,
        details: {
          before: { ...before, councils: before.councils.map((c) => c.id) },
          after: { ...values, councilIds },
        },
      });
    });
  }

  setStatus(viewer: Viewer | null, id: number, to: ActivityStatus, reason: string | null): void {
    const a = this.getForPlanning(viewer, id);
    if (!TRANSITIONS[a.status].includes(to)) throw new FormError({ to: 'activities.errors.badTransition' });
    if (to === 'cancelled' && !reason) throw new FormError({ reason: 'activities.errors.reasonRequired' });
    tx(this.db, () => {
      this.repo.update(id, { status: to, cancelReason: to === 'cancelled' ? reason : a.cancelReason });
      this.audit.record({
        userId: viewer!.userId,
        action: 'activity.status',
        entity: 'activity',
        entityId: id,
        details: { from: a.status, to, reason },
      });
      this.events.emit('activity.statusChanged', { activityId: id, from: a.status, to, byUserId: viewer!.userId });
    });
  }

  // ---------------------------------------------------------------- catalogue

  isPublicCatalogue(): boolean {
    return (
      dataCache(this.db).get(`settings|${PUBLIC_CATALOGUE_KEY}`, () => this.repo.setting(PUBLIC_CATALOGUE_KEY)) === 'on'
    );
  }

  setPublicCatalogue(viewer: Viewer | null, enabled: boolean): void {
    authorize(viewer, 'activities.publicCatalogue');
    tx(this.db, () => {
      this.repo.setSetting(PUBLIC_CATALOGUE_KEY, enabled ? 'on' : 'off');
      this.audit.record({
        userId: viewer.userId,
        action: 'settings.publicCatalogue',
        entity: 'setting',
        details: { enabled },
      });
    });
  }

  catalogue(viewer: Viewer | null, q: CatalogueQuery) {
    const now = new Date();
    const staff = can(viewer, 'activities.listAll');
    let scope: CatalogueScope;
    if (!viewer) {
      if (!this.isPublicCatalogue()) throw forbidden();
      scope = { all: false, unitPaths: [], nonDraft: false, trainerUserId: null, member: null, publicOnly: true, now };
    } else {
      const us = unitScope(viewer);
      const m = viewer.memberId ? this.repo.memberFacts(viewer.memberId) : null;
      scope = {
        all: us === 'all',
        unitPaths: us === 'all' ? [] : us,
        nonDraft: isCoordinator(viewer),
        trainerUserId: isTrainer(viewer) ? viewer.userId : null,
        member: m ? { ...m, active: m.status === 'active' } : null,
        publicOnly: false,
        now,
      };
    }
    const unit = q.unit ? this.repo.unit(q.unit) : null;
    const month = q.month ? monthRange(q.month, this.config.TAAHIL_TZ) : null;
    const filter = {
      kind: q.kind,
      status: staff ? q.status : null,
      unitPath: unit?.path ?? null,
      month,
      q: q.q,
      limit: CATALOGUE_PAGE,
      offset: (q.page - 1) * CATALOGUE_PAGE,
    };
    // viewers with the same facts (members of one unit, say) see the same page: it is read once
    // and kept until the data changes, or a minute passes (enrolment windows open by the clock)
    const key = `activities.catalogue|${JSON.stringify([{ ...scope, now: null }, filter])}`;
    const { rows, total, drawnAt } = dataCache(this.db).get(key, () => ({
      ...this.repo.catalogue(scope, filter),
      drawnAt: Date.now(),
    }));
    return {
      rows,
      total,
      // the rendered cards are kept with these rows, and only with them (views/activities/catalogue.eta)
      listKey: `${key}|${drawnAt}`,
      page: q.page,
      pages: Math.max(1, Math.ceil(total / CATALOGUE_PAGE)),
      staff,
      // the select itself is a kept part of the page; its options are worked out once too
      units: dataCache(this.db).get(`activities.unitFilter|${q.unit ?? ''}`, () =>
        deepFreeze(unitFilterOptions(this.repo.unitOptions(), q.unit)),
      ),
    };
  }

  // ---------------------------------------------------------------- materials

  private uploadsDir(): string {
    return path.resolve(this.config.TAAHIL_UPLOADS);
  }

  /** Stores an uploaded file under a random name and records it. */
  addMaterial(
    viewer: Viewer | null,
    activityId: number,
    sessionId: number | null,
    file: { filename: string; content: Buffer } | null,
  ): number {
    const { activity, canManageMaterials } = this.get(viewer, activityId);
    if (!canManageMaterials) throw forbidden();
    if (sessionId !== null) {
      const s = this.repo.sessionOf(sessionId);
      if (!s || s.activityId !== activityId) throw notFound();
    }
    if (!file || file.content.length === 0) throw new FormError({ file: 'activities.errors.fileRequired' });
    if (file.content.length > MAX_MATERIAL_BYTES) throw new FormError({ file: 'activities.errors.fileTooLarge' });
    const filename = cleanFilename(file.filename);
    const mime = detectMaterialType(filename, file.content);
    if (!mime) throw new FormError({ file: 'activities.errors.fileType' });
    const storedName = randomString(32);
    const dir = this.uploadsDir();
    fs.mkdirSync(dir, { recursive: true });
    const target = path.join(dir, storedName);
    fs.writeFileSync(target, file.content, { flag: 'wx', mode: 0o640 });
    try {
      return tx(this.db, () => {
        const id = this.repo.insertMaterial({
          activityId: activity.id,
          sessionId,
          filename,
          storedName,
          mime,
          size: file.content.length,
          uploadedBy: viewer!.userId,
        });
        this.audit.record({
          userId: viewer!.userId,
          action: 'material.upload',
          entity: 'material',
          entityId: id,
          details: { activityId, sessionId, filename, mime, size: file.content.length },
        });
        return id;
      });
    } catch (err) {
      fs.rmSync(target, { force: true });
      throw err;
    }
  }

  /** The file to send, when the viewer may see its activity. */
  material(viewer: Viewer | null, id: number) {
    const m = this.repo.material(id);
    if (!m || m.deletedAt) throw notFound();
    this.get(viewer, m.activityId);
    if (!/^[a-z0-9]+$/.test(m.storedName)) throw notFound();
    const file = path.join(this.uploadsDir(), m.storedName);
    if (!fs.existsSync(file)) throw notFound();
    return { ...m, file };
  }

  deleteMaterial(viewer: Viewer | null, id: number): { activityId: number; sessionId: number | null } {
    const m = this.repo.material(id);
    if (!m || m.deletedAt) throw notFound();
    const { canManageMaterials } = this.get(viewer, m.activityId);
    if (!canManageMaterials) throw forbidden();
    tx(this.db, () => {
      this.repo.softDeleteMaterial(id);
      this.audit.record({
        userId: viewer!.userId,
        action: 'material.delete',
        entity: 'material',
        entityId: id,
        details: { activityId: m.activityId, filename: m.filename },
      });
    });
    return { activityId: m.activityId, sessionId: m.sessionId };
  }
}
