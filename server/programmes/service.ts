import type { AuditRepository } from '../core/audit.ts';
import { type Db, tx } from '../core/db.ts';
import { FormError, notFound } from '../core/errors.ts';
import { authorize, inScope, isOffice, type Viewer } from '../core/policy.ts';
import { ProgrammeRepository } from './repository.ts';
import type { PhaseForm, ProgrammeForm } from './schemas.ts';

/** Programmes made of ordered phases; a phase holds activities. */
export class ProgrammeService {
  private repo: ProgrammeRepository;

  constructor(
    private db: Db,
    private audit: AuditRepository,
  ) {
    this.repo = new ProgrammeRepository(db);
  }

  list(viewer: Viewer | null) {
    authorize(viewer, 'programmes.view');
    return { rows: this.repo.list(), units: this.repo.unitOptions(), canManage: isOffice(viewer) };
  }

  get(viewer: Viewer | null, id: number) {
    authorize(viewer, 'programmes.view');
    const programme = this.repo.find(id);
    if (!programme) throw notFound();
    const phaseRows = this.repo.phasesOf(id);
    const acts = this.repo
      .activitiesOfPhases(phaseRows.map((p) => p.id))
      .filter((a) => isOffice(viewer) || a.status !== 'draft' || inScope(viewer, a.unitPath));
    const unit = programme.organisingUnitId ? this.repo.unit(programme.organisingUnitId) : null;
    return {
      programme,
      unit,
      phases: phaseRows.map((p) => ({ ...p, activities: acts.filter((a) => a.phaseId === p.id) })),
      units: this.repo.unitOptions(),
      canManage: isOffice(viewer),
    };
  }

  private checkUnit(form: ProgrammeForm) {
    if (form.organisingUnitId) {
      const u = this.repo.unit(form.organisingUnitId);
      if (!u || u.archivedAt) throw new FormError({ organisingUnitId: 'programmes.errors.unknownUnit' });
    }
  }

  create(viewer: Viewer | null, form: ProgrammeForm): number {
    authorize(viewer, 'programmes.manage');
    this.checkUnit(form);
    return tx(this.db, () => {
      const id = this.repo.insert({
        title: form.title,
        description: form.description,
        organisingUnitId: form.organisingUnitId,
        createdBy: viewer.userId,
      });
      this.audit.record({
        userId: viewer.userId,
        action: 'programme.create',
        entity: 'programme',
        entityId: id,
        details: form,
      });
      return id;
    });
  }

  update(viewer: Viewer | null, id: number, form: ProgrammeForm): void {
    authorize(viewer, 'programmes.manage');
    const before = this.repo.find(id);
    if (!before) throw notFound();
    this.checkUnit(form);
    tx(this.db, () => {
      this.repo.update(id, {
        title: form.title,
        description: form.description,
        organisingUnitId: form.organisingUnitId,
        archivedAt: form.archived ? (before.archivedAt ?? new Date()) : null,
      });
      this.audit.record({
        userId: viewer.userId,
        action: 'programme.update',
        entity: 'programme',
        entityId: id,
        details: { before, after: form },
      });
    });
  }

  addPhase(viewer: Viewer | null, programmeId: number, form: PhaseForm): number {
    authorize(viewer, 'programmes.manage');
    if (!this.repo.find(programmeId)) throw notFound();
    return tx(this.db, () => {
      const id = this.repo.insertPhase({
        programmeId,
        title: form.title,
        description: form.description,
        requiresPrevious: form.requiresPrevious,
      });
      this.audit.record({
        userId: viewer.userId,
        action: 'phase.create',
        entity: 'phase',
        entityId: id,
        details: { programmeId, ...form },
      });
      return id;
    });
  }

  phase(viewer: Viewer | null, id: number) {
    authorize(viewer, 'programmes.manage');
    const p = this.repo.phase(id);
    if (!p) throw notFound();
    return p;
  }

  updatePhase(viewer: Viewer | null, id: number, form: PhaseForm): number {
    const before = this.phase(viewer, id);
    tx(this.db, () => {
      this.repo.updatePhase(id, {
        title: form.title,
        description: form.description,
        requiresPrevious: form.requiresPrevious,
      });
      this.audit.record({
        userId: viewer!.userId,
        action: 'phase.update',
        entity: 'phase',
        entityId: id,
        details: { before, after: form },
      });
    });
    return before.programmeId;
  }

  /** Swaps a phase with its neighbour; positions stay 1..n. */
  movePhase(viewer: Viewer | null, id: number, direction: 'up' | 'down'): number {
    const p = this.phase(viewer, id);
    tx(this.db, () => {
      const ids = this.repo.phasesOf(p.programmeId).map((x) => x.id);
      const i = ids.indexOf(id);
      const j = direction === 'up' ? i - 1 : i + 1;
      if (j < 0 || j >= ids.length) return;
      [ids[i], ids[j]] = [ids[j], ids[i]];
      this.repo.setPositions(p.programmeId, ids);
      this.audit.record({
        userId: viewer!.userId,
        action: 'phase.move',
        entity: 'phase',
        entityId: id,
        details: { direction, order: ids },
      });
    });
    return p.programmeId;
  }
}
