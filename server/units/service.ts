import type { AuditRepository } from '../core/audit.ts';
import { type Db, tx } from '../core/db.ts';
import { FormError, forbidden, notFound } from '../core/errors.ts';
import { authorize, can, inScope, unitScope, type Viewer } from '../core/policy.ts';
import { activeMembersPerUnit, allUnits, subtreeMemberCounts, type UnitRow, UnitsRepository } from './repository.ts';
import type { UnitEdit, UnitForm } from './schemas.ts';

/**
 * Units in tree order: each unit followed by the units below it, siblings in the order
 * they were created (a plain path sort would put "/1/11/" before "/1/2/").
 */
export function treeOrder<T extends { id: number; parentId: number | null }>(rows: T[]): T[] {
  const ids = new Set(rows.map((r) => r.id));
  const children = new Map<number | null, T[]>();
  for (const r of rows) {
    const key = r.parentId !== null && ids.has(r.parentId) ? r.parentId : null;
    const siblings = children.get(key);
    if (siblings) siblings.push(r);
    else children.set(key, [r]);
  }
  const out: T[] = [];
  const visit = (parent: number | null) => {
    for (const r of (children.get(parent) ?? []).sort((a, b) => a.id - b.id)) {
      out.push(r);
      visit(r.id);
    }
  };
  visit(null);
  return out;
}

export interface TreeNode {
  unit: UnitRow;
  depth: number;
  members: number;
}

/** The unit tree: office manages it; coordinators read their own subtree. */
export class UnitsService {
  readonly repo: UnitsRepository;

  constructor(
    private db: Db,
    private audit: AuditRepository,
  ) {
    this.repo = new UnitsRepository(db);
  }

  /**
   * The tree in path order with subtree member counts, limited to the viewer's scope. The
   * members of archived units count in the units above them even when the archived ones are hidden.
   */
  tree(viewer: Viewer | null, opts: { withArchived: boolean }): TreeNode[] {
    authorize(viewer, 'units.view');
    const scope = unitScope(viewer);
    const all = allUnits(this.db);
    const visible = scope === 'all' ? all : all.filter((u) => scope.some((p) => u.path.startsWith(p)));
    const counts = subtreeMemberCounts(this.db, visible, all);
    const rows = treeOrder(opts.withArchived ? [...visible] : visible.filter((u) => !u.archivedAt));
    // depth relative to the shallowest unit shown, so a coordinator's subtree starts at the left
    const minDepth = Math.min(...rows.map((u) => u.path.split('/').length), Number.POSITIVE_INFINITY);
    return rows.map((unit) => ({
      unit,
      depth: unit.path.split('/').length - minDepth,
      members: counts.get(unit.id) ?? 0,
    }));
  }

  /** One unit with what its page shows. Outside a coordinator's subtree: 403. */
  get(viewer: Viewer | null, id: number) {
    authorize(viewer, 'units.view');
    const unit = this.repo.find(id);
    if (!unit) throw notFound();
    if (!can(viewer, 'units.viewOne', unit.path)) throw forbidden();
    const childRows = this.repo.children(id);
    const counts = subtreeMemberCounts(this.db, [unit, ...childRows], allUnits(this.db));
    const children = childRows.map((c) => ({ unit: c, members: counts.get(c.id) ?? 0 }));
    const ancestors = this.repo.ancestors(unit.path).filter((a) => inScope(viewer, a.path));
    return {
      unit,
      ancestors,
      children,
      members: counts.get(id) ?? 0,
      ownMembers: activeMembersPerUnit(this.db, [id]).get(id) ?? 0,
      canManage: can(viewer, 'units.manage'),
      canDelete: can(viewer, 'units.manage') && !this.repo.hasHistory(id),
    };
  }

  /** Active units a viewer may choose from (e.g. a member's unit), in tree order. */
  options(viewer: Viewer | null): UnitRow[] {
    const scope = unitScope(viewer);
    return treeOrder(
      allUnits(this.db).filter((u) => !u.archivedAt && (scope === 'all' || scope.some((p) => u.path.startsWith(p)))),
    );
  }

  create(viewer: Viewer | null, form: UnitForm): UnitRow {
    authorize(viewer, 'units.manage');
    return tx(this.db, () => {
      if (form.parentId) {
        const parent = this.repo.find(form.parentId);
        if (!parent || parent.archivedAt) throw new FormError({ parentId: 'units.errors.unknownParent' });
      }
      const row = this.repo.insert({
        parentId: form.parentId,
        kind: form.kind,
        nameAr: form.nameAr,
        nameEn: form.nameEn,
      });
      this.audit.record({
        userId: viewer.userId,
        action: 'unit.create',
        entity: 'unit',
        entityId: row.id,
        details: form,
      });
      return row;
    });
  }

  update(viewer: Viewer | null, id: number, form: UnitEdit): void {
    authorize(viewer, 'units.manage');
    tx(this.db, () => {
      const unit = this.repo.find(id);
      if (!unit) throw notFound();
      this.repo.update(id, { nameAr: form.nameAr, nameEn: form.nameEn, kind: form.kind });
      this.audit.record({
        userId: viewer.userId,
        action: 'unit.update',
        entity: 'unit',
        entityId: id,
        details: { before: { nameAr: unit.nameAr, nameEn: unit.nameEn, kind: unit.kind }, after: form },
      });
    });
  }

  /** Moves a unit (with everything below it) under another parent; never under itself or its descendants. */
  move(viewer: Viewer | null, id: number, parentId: number | null): void {
    authorize(viewer, 'units.manage');
    tx(this.db, () => {
      const unit = this.repo.find(id);
      if (!unit) throw notFound();
      let parentPath = '/';
      if (parentId !== null) {
        const parent = this.repo.find(parentId);
        if (!parent || parent.archivedAt) throw new FormError({ parentId: 'units.errors.unknownParent' });
        if (parent.path.startsWith(unit.path)) throw new FormError({ parentId: 'units.errors.cycle' });
        parentPath = parent.path;
      }
      if (unit.parentId === parentId) return;
      const newPath = `${parentPath}${unit.id}/`;
      this.repo.move(id, unit.path, parentId, newPath);
      this.audit.record({
        userId: viewer.userId,
        action: 'unit.move',
        entity: 'unit',
        entityId: id,
        details: { fromParent: unit.parentId, toParent: parentId, fromPath: unit.path, toPath: newPath },
      });
    });
  }

  /** Archives a unit; its active sub-units must be archived or moved first. */
  archive(viewer: Viewer | null, id: number): void {
    authorize(viewer, 'units.manage');
    tx(this.db, () => {
      const unit = this.repo.find(id);
      if (!unit) throw notFound();
      if (unit.archivedAt) return;
      if (this.repo.activeChildCount(id) > 0) throw new FormError({ _form: 'units.errors.hasActiveChildren' });
      this.repo.update(id, { archivedAt: new Date() });
      this.audit.record({ userId: viewer.userId, action: 'unit.archive', entity: 'unit', entityId: id });
    });
  }

  restore(viewer: Viewer | null, id: number): void {
    authorize(viewer, 'units.manage');
    tx(this.db, () => {
      const unit = this.repo.find(id);
      if (!unit) throw notFound();
      if (!unit.archivedAt) return;
      if (unit.parentId) {
        const parent = this.repo.find(unit.parentId);
        if (parent?.archivedAt) throw new FormError({ _form: 'units.errors.parentArchived' });
      }
      this.repo.update(id, { archivedAt: null });
      this.audit.record({ userId: viewer.userId, action: 'unit.restore', entity: 'unit', entityId: id });
    });
  }

  /** Deletes a unit that nothing ever referred to; anything with history can only be archived. */
  delete(viewer: Viewer | null, id: number): UnitRow {
    authorize(viewer, 'units.manage');
    return tx(this.db, () => {
      const unit = this.repo.find(id);
      if (!unit) throw notFound();
      if (this.repo.hasHistory(id)) throw new FormError({ _form: 'units.errors.hasHistory' });
      this.repo.delete(id);
      this.audit.record({
        userId: viewer.userId,
        action: 'unit.delete',
        entity: 'unit',
        entityId: id,
        details: { nameAr: unit.nameAr, path: unit.path },
      });
      return unit;
    });
  }
}
