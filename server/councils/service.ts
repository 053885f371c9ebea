import type { AuditRepository } from '../core/audit.ts';
import { type Db, tx } from '../core/db.ts';
import { notFound } from '../core/errors.ts';
import { authorize, type Viewer } from '../core/policy.ts';
import { CouncilsRepository } from './repository.ts';
import type { CouncilForm } from './schemas.ts';

export const COUNCIL_PAGE_SIZE = 50;

/** Councils: the office keeps them; they are archived, never deleted (reports count by their kind). */
export class CouncilsService {
  private repo: CouncilsRepository;

  constructor(
    private db: Db,
    private audit: AuditRepository,
  ) {
    this.repo = new CouncilsRepository(db);
  }

  list(viewer: Viewer | null, opts: { withArchived: boolean }) {
    authorize(viewer, 'councils.manage');
    return this.repo.list(opts);
  }

  get(viewer: Viewer | null, id: number, page: number) {
    authorize(viewer, 'councils.manage');
    const council = this.repo.find(id);
    if (!council) throw notFound();
    const { rows, total } = this.repo.members(id, {
      limit: COUNCIL_PAGE_SIZE,
      offset: (page - 1) * COUNCIL_PAGE_SIZE,
    });
    return { council, rows, total, page, pages: Math.max(1, Math.ceil(total / COUNCIL_PAGE_SIZE)) };
  }

  create(viewer: Viewer | null, form: CouncilForm) {
    authorize(viewer, 'councils.manage');
    return tx(this.db, () => {
      const row = this.repo.insert(form);
      this.audit.record({
        userId: viewer.userId,
        action: 'council.create',
        entity: 'council',
        entityId: row.id,
        details: form,
      });
      return row;
    });
  }

  update(viewer: Viewer | null, id: number, form: CouncilForm): void {
    authorize(viewer, 'councils.manage');
    tx(this.db, () => {
      const before = this.repo.find(id);
      if (!before) throw notFound();
      this.repo.update(id, form);
      this.audit.record({
        userId: viewer.userId,
        action: 'council.update',
        entity: 'council',
        entityId: id,
        details: {
          before: { nameAr: before.nameAr, nameEn: before.nameEn, kind: before.kind, description: before.description },
          after: form,
        },
      });
    });
  }

  setArchived(viewer: Viewer | null, id: number, archived: boolean): void {
    authorize(viewer, 'councils.manage');
    tx(this.db, () => {
      const council = this.repo.find(id);
      if (!council) throw notFound();
      if (!!council.archivedAt === archived) return;
      this.repo.update(id, { archivedAt: archived ? new Date() : null });
      this.audit.record({
        userId: viewer.userId,
        action: archived ? 'council.archive' : 'council.restore',
        entity: 'council',
        entityId: id,
      });
    });
  }
}
