import type { Viewer } from './policy.ts';

export interface NavItem {
  href: string;
  /** translation key */
  label: string;
  /** position in the menu, lower first */
  order: number;
  show: (v: Viewer) => boolean;
}

/** Builds the menu from every feature's entries. */
export function buildNav(items: NavItem[]) {
  const sorted = [...items].sort((a, b) => a.order - b.order);
  return (v: Viewer | null): { href: string; label: string }[] =>
    v ? sorted.filter((i) => i.show(v)).map(({ href, label }) => ({ href, label })) : [];
}
