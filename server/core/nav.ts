import { isAdmin, isOffice, type Viewer } from './policy.ts';

interface NavItem {
  href: string;
  label: string;
  show: (v: Viewer) => boolean;
}

/** The main menu; each feature adds its entry here. */
export const NAV: NavItem[] = [
  { href: '/', label: 'nav.home', show: () => true },
  { href: '/admin/users', label: 'nav.users', show: isOffice },
  { href: '/admin/audit', label: 'nav.audit', show: isAdmin },
];

export function navFor(v: Viewer | null): { href: string; label: string }[] {
  if (!v) return [];
  return NAV.filter((i) => i.show(v)).map(({ href, label }) => ({ href, label }));
}
