/**
 * The choices of a unit *filter* (which covers the chosen unit's whole subtree): the top two
 * levels of the tree (the centre and the cities), and under the chosen unit and each unit above
 * it, the units right below (a city's districts once the city is chosen). One picks a city, then
 * narrows to a district, instead of scrolling through all 331 units — on a phone especially —
 * and the page does not carry 30 kB of options nobody reads.
 *
 * `depth` is the level under the top of the given units (0 for the centre), for indenting.
 * `narrowed` says whether units were left out (the page then says how to reach them).
 */
export function unitFilterOptions<T extends { id: number; path: string }>(
  units: readonly T[],
  selectedId: number | null | undefined,
): { options: { unit: T; depth: number }[]; narrowed: boolean } {
  const levels = (path: string) => path.split('/').length - 2;
  const top = Math.min(...units.map((u) => levels(u.path)));
  const selected = selectedId ? units.find((u) => u.id === selectedId) : undefined;
  // the chosen unit and every unit above it, by path ("/1/", "/1/101/", "/1/101/102/")
  const open = new Set<string>();
  if (selected) {
    const parts = selected.path.split('/').filter(Boolean);
    for (let i = 1; i <= parts.length; i++) open.add(`/${parts.slice(0, i).join('/')}/`);
  }
  const options: { unit: T; depth: number }[] = [];
  for (const unit of units) {
    const depth = levels(unit.path) - top;
    const parent = unit.path.slice(0, unit.path.lastIndexOf('/', unit.path.length - 2) + 1);
    if (depth <= 1 || open.has(parent)) options.push({ unit, depth });
  }
  return { options, narrowed: options.length < units.length };
}
