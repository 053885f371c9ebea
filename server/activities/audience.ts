/**
 * Who an activity is for. An activity's audience is everyone, a unit subtree
 * (audienceUnitId), or members of chosen councils; "executive only" narrows any of
 * them to executive-body members. Only active members are ever in an audience.
 */
export interface AudienceRule {
  audienceKind: 'everyone' | 'units' | 'councils';
  /** materialised path of the audience unit (for 'units') */
  audienceUnitPath: string | null;
  /** council ids (for 'councils') */
  councilIds: number[];
  executiveOnly: boolean;
}

export interface AudienceMember {
  status: 'active' | 'inactive';
  isExecutive: boolean;
  /** materialised path of the member's unit */
  unitPath: string;
  councilIds: number[];
}

export function inAudience(rule: AudienceRule, m: AudienceMember): boolean {
  if (m.status !== 'active') return false;
  if (rule.executiveOnly && !m.isExecutive) return false;
  switch (rule.audienceKind) {
    case 'everyone':
      return true;
    case 'units':
      return !!rule.audienceUnitPath && m.unitPath.startsWith(rule.audienceUnitPath);
    case 'councils':
      return m.councilIds.some((c) => rule.councilIds.includes(c));
  }
}
