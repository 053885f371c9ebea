import type { FastifyRequest } from 'fastify';

/**
 * Pages that several features contribute to (an activity's page, a session's page, a
 * member's page, the dashboard) render "panels" registered here, so each feature adds
 * its part without touching another feature's route or template.
 *
 * A panel's `load` returns the data for its template, or null to show nothing (for
 * example when the viewer may not see it). It runs inside the page's request.
 */
export type PanelSlot = 'activity' | 'session' | 'member' | 'dashboard' | 'unit';

export interface Panel<S = any> {
  /** lower comes first */
  order: number;
  /** template under views/, e.g. "enrolments/activity-panel" */
  view: string;
  load: (req: FastifyRequest, subject: S) => Record<string, unknown> | null | Promise<Record<string, unknown> | null>;
}

export interface RenderedPanel {
  view: string;
  data: Record<string, unknown>;
}

export class PanelRegistry {
  private slots = new Map<PanelSlot, Panel[]>();

  add(slot: PanelSlot, panel: Panel): void {
    const list = this.slots.get(slot) ?? [];
    list.push(panel);
    list.sort((a, b) => a.order - b.order);
    this.slots.set(slot, list);
  }

  /** Loads every panel of a slot for this request; the page template includes each. */
  async load(slot: PanelSlot, req: FastifyRequest, subject: unknown): Promise<RenderedPanel[]> {
    const out: RenderedPanel[] = [];
    for (const p of this.slots.get(slot) ?? []) {
      const data = await p.load(req, subject);
      if (data) out.push({ view: p.view, data });
    }
    return out;
  }
}
