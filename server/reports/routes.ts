import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { ACTIVITY_KINDS } from '../../db/schema.ts';
import type { Feature } from '../core/features.ts';
import { fieldErrors, parseQuery } from '../core/forms.ts';
import { type Locale, translator } from '../core/i18n.ts';
import { parseId } from '../core/ids.ts';
import { authorize, can, unitScopeKey } from '../core/policy.ts';
import { dateFormatter, isoDateInZone, startOfDay } from '../core/time.ts';
import { pageOf, withQuery } from '../core/urls.ts';
import { barChart, lineChart } from './charts.ts';
import { toCsv } from './csv.ts';
import type { UnitRow } from './repository.ts';
import { followUpQuery, monthlyQuery } from './schemas.ts';
import { type Figures, FOLLOW_UP_PAGE, ReportsService } from './service.ts';

export const unitName = (u: Pick<UnitRow, 'nameAr' | 'nameEn'>, lang: Locale) =>
  lang === 'en' && u.nameEn ? u.nameEn : u.nameAr;

/** the report's summary lines: label key, this month, previous month, change */
export const SUMMARY_KEYS = [
  'activities',
  'sessionsHeld',
  'sessionsCancelled',
  'participants',
  'rate',
  'commitmentRate',
  'marked',
  'attended',
  'women',
  'womenCouncil',
  'youth',
  'youthCouncil',
  'completions',
  'certificates',
] as const satisfies readonly (keyof Figures)[];

export function change(cur: number | null, prev: number | null): number | null {
  if (cur === null || prev === null) return null;
  return Math.round((cur - prev) * 10) / 10;
}

const signed = (n: number | null) => (n === null ? '—' : n > 0 ? `+${n}` : n < 0 ? `−${Math.abs(n)}` : '0');

/** the ?unit= of a report: absent = the viewer's top unit; anything but an id = 404 */
function unitParam(req: FastifyRequest): number | null {
  const raw = (req.query as Record<string, unknown>).unit;
  if (raw === undefined || raw === '') return null;
  return parseId(raw);
}

function strict<T>(schema: { safeParse(v: unknown): { success: boolean; error?: any } }, lenient: T, query: unknown) {
  const r = schema.safeParse(query ?? {});
  return { q: lenient, errors: r.success ? {} : fieldErrors(r.error) };
}

const routes: FastifyPluginAsync = async (app) => {
  const service = () => new ReportsService(app.db, app.config.TAAHIL_TZ);

  app.get('/reports', async (req, reply) => {
    authorize(req.viewer, 'reports.view');
    return reply.redirect('/reports/monthly');
  });

  const monthly = (req: FastifyRequest) => {
    const { q, errors } = strict(monthlyQuery, parseQuery(monthlyQuery, req.query), req.query);
    const unit = unitParam(req);
    const s = service();
    const report = s.monthly(req.viewer, { ...q, unit });
    return { report, q, errors, s };
  };

  app.get('/reports/monthly', async (req, reply) => {
    const { report, errors, s } = monthly(req);
    const lang = req.locale;
    const t = translator(lang);
    const fmt = dateFormatter(lang, app.config.TAAHIL_TZ);
    const dir = lang === 'ar' ? 'rtl' : 'ltr';
    const monthName = fmt.month(report.range.from);
    const trendChart = lineChart(
      report.trend.map((p) => ({ label: `${p.month.slice(5)}/${p.month.slice(2, 4)}`, value: p.rate })),
      {
        title: t('reports.chartTrend'),
        desc: report.trend
          .map((p) => `${fmt.month(p.start)}: ${p.rate === null ? '—' : `${p.rate}%`}`)
          .join(lang === 'ar' ? '، ' : '; '),
        dir,
        unit: '%',
        max: 100,
      },
    );
    const unitItems = report.current.table.map((r) => ({
      label: r.own ? t('reports.ownUnit', { name: unitName(r.unit, lang) }) : unitName(r.unit, lang),
      value: r.participants,
    }));
    const unitChart = barChart(unitItems, {
      title: t('reports.chartUnits', { month: monthName }),
      desc: unitItems.map((i) => `${i.label}: ${i.value}`).join(lang === 'ar' ? '، ' : '; '),
      dir,
    });
    const kindItems = ACTIVITY_KINDS.map((k) => ({
      label: t(`reports.kinds.${k}`),
      value: report.current.total.byKind[k].participants,
    }));
    const kindChart = barChart(kindItems, {
      title: t('reports.chartKinds', { month: monthName }),
      desc: kindItems.map((i) => `${i.label}: ${i.value}`).join(lang === 'ar' ? '، ' : '; '),
      dir,
    });
    const summary = SUMMARY_KEYS.map((k) => ({
      key: k,
      cur: report.current.total[k],
      prev: report.previous.total[k],
      change: signed(change(report.current.total[k], report.previous.total[k])),
    }));
    const values = {
      month: report.month,
      unit: report.unit.id,
      youthMin: report.youth.min,
      youthMax: report.youth.max,
      ...(Object.keys(errors).length ? (req.query as object) : {}),
    };
    return reply.render(
      'reports/monthly',
      {
        report,
        monthName,
        prevMonthName: fmt.month(report.prevRange.from),
        writtenOn: fmt.minutesDate(new Date()),
        summary,
        kinds: ACTIVITY_KINDS,
        units: s.unitOptions(req.viewer!),
        unitName: (u: UnitRow) => unitName(u, lang),
        charts: { trend: trendChart, units: unitChart, kinds: kindChart },
        csvUrl: `/reports/monthly.csv?month=${report.month}&unit=${report.unit.id}&youthMin=${report.youth.min}&youthMax=${report.youth.max}`,
        followUpUrl: `/reports/follow-up?unit=${report.unit.id}`,
        errors,
        values,
      },
      Object.keys(errors).length ? 400 : 200,
    );
  });

  app.get('/reports/monthly.csv', async (req, reply) => {
    const { report } = monthly(req);
    const lang = req.locale;
    const t = translator(lang);
    const fmt = dateFormatter(lang, app.config.TAAHIL_TZ);
    const f = report.current;
    const rows: unknown[][] = [
      [t('reports.monthlyTitle')],
      [t('reports.unit'), unitName(report.unit, lang)],
      [t('reports.month'), report.month, fmt.month(report.range.from)],
      [t('reports.youthBand'), `${report.youth.min}-${report.youth.max}`],
      [t('reports.rateNote')],
      [t('reports.commitmentNote')],
      [],
      [t('reports.figure'), report.month, report.prevMonth, t('reports.change')],
      ...SUMMARY_KEYS.map((k) => [
        t(`reports.fig.${k}`),
        f.total[k],
        report.previous.total[k],
        change(f.total[k], report.previous.total[k]),
      ]),
      [],
      [
        t('reports.kind'),
        t('reports.fig.activities'),
        t('reports.fig.sessionsHeld'),
        t('reports.fig.sessionsCancelled'),
        t('reports.fig.participants'),
      ],
      ...ACTIVITY_KINDS.map((k) => [
        t(`reports.kinds.${k}`),
        f.total.byKind[k].activities,
        f.total.byKind[k].held,
        f.total.byKind[k].cancelled,
        f.total.byKind[k].participants,
      ]),
      [],
      [
        t('reports.unit'),
        ...(
          [
            'activities',
            'sessionsHeld',
            'sessionsCancelled',
            'participants',
            'rate',
            'commitmentRate',
            'women',
            'youth',
            'completions',
            'certificates',
          ] as const
        ).map((k) => t(`reports.fig.${k}`)),
      ],
      ...f.table.map((r) => [
        r.own ? t('reports.ownUnit', { name: unitName(r.unit, lang) }) : unitName(r.unit, lang),
        r.activities,
        r.sessionsHeld,
        r.sessionsCancelled,
        r.participants,
        r.rate,
        r.commitmentRate,
        r.women,
        r.youth,
        r.completions,
        r.certificates,
      ]),
      [
        t('reports.total'),
        f.total.activities,
        f.total.sessionsHeld,
        f.total.sessionsCancelled,
        f.total.participants,
        f.total.rate,
        f.total.commitmentRate,
        f.total.women,
        f.total.youth,
        f.total.completions,
        f.total.certificates,
      ],
    ];
    return sendCsv(reply, `report-${report.unit.id}-${report.month}.csv`, toCsv(rows));
  });

  const followUp = (req: FastifyRequest) => {
    const { q, errors } = strict(followUpQuery, parseQuery(followUpQuery, req.query), req.query);
    const unit = unitParam(req);
    const s = service();
    const result = s.followUp(req.viewer, { ...q, unit });
    return { result, q, errors, s };
  };

  app.get('/reports/follow-up', async (req, reply) => {
    const { result, q, errors, s } = followUp(req);
    const lang = req.locale;
    const tz = app.config.TAAHIL_TZ;
    const fromStr = isoDateInZone(result.range.from, tz);
    const toStr = isoDateInZone(startOfDay(result.range.to, tz, -1), tz);
    const query = { list: q.list, unit: result.unit.id, from: fromStr, to: toStr };
    // one page of the list shown; its total is the whole list's (the CSV has every row)
    const shown =
      q.list === 'below'
        ? pageOf(result.below, q.page, FOLLOW_UP_PAGE)
        : q.list === 'inactive'
          ? pageOf(result.inactive, q.page, FOLLOW_UP_PAGE)
          : pageOf(result.never, q.page, FOLLOW_UP_PAGE, result.neverTotal);
    const viewer = req.viewer!;
    return reply.render(
      'reports/follow-up',
      {
        unit: result.unit,
        range: result.range,
        list: q.list,
        ...shown,
        // the unit select (331 units for the office) is kept rendered per scope (core/render.ts kept)
        units: () => s.unitOptions(viewer),
        unitsKey: unitScopeKey(viewer),
        unitName: (u: UnitRow) => unitName(u, lang),
        unitOf: (id: number) => result.unitById.get(id),
        csvUrl: `/reports/follow-up.csv${withQuery(query, {})}`,
        tabUrl: (list: string) => `/reports/follow-up${withQuery(query, { list })}`,
        withQuery: (c: Record<string, unknown>) => withQuery(query, c),
        canMembers: can(req.viewer, 'members.list'),
        errors,
        values: {
          list: q.list,
          unit: result.unit.id,
          from: fromStr,
          to: toStr,
          ...(Object.keys(errors).length ? (req.query as object) : {}),
        },
      },
      Object.keys(errors).length ? 400 : 200,
    );
  });

  app.get('/reports/follow-up.csv', async (req, reply) => {
    const { result, q } = followUp(req);
    const lang = req.locale;
    const t = translator(lang);
    const tz = app.config.TAAHIL_TZ;
    const un = (id: number) => {
      const u = result.unitById.get(id);
      return u ? unitName(u, lang) : '';
    };
    let rows: unknown[][];
    if (q.list === 'below') {
      rows = [
        [
          t('reports.col.member'),
          t('reports.unit'),
          t('reports.col.activity'),
          t('reports.col.rate'),
          t('reports.col.minimum'),
          t('reports.col.needed'),
          t('reports.col.state'),
        ],
        ...result.below.map((r) => [
          r.fullName,
          un(r.unitId),
          r.activityTitle,
          r.progress.rate === null ? '' : Math.round(r.progress.rate * 10) / 10,
          r.minAttendancePct,
          r.progress.needed ?? '',
          t(`reports.state.${r.progress.state}`),
        ]),
      ];
    } else if (q.list === 'inactive') {
      rows = [
        [t('reports.unit'), t('reports.col.kind'), t('reports.col.lastActivity')],
        ...result.inactive.map((r) => [
          unitName(r.unit, lang),
          t(`reports.unitKinds.${r.unit.kind}`),
          r.lastAt ? isoDateInZone(r.lastAt, tz) : '',
        ]),
      ];
    } else {
      rows = [
        [
          t('reports.col.member'),
          t('reports.unit'),
          t('common.phone'),
          t('reports.col.activity'),
          t('reports.col.status'),
        ],
        ...result.never.map((r) => [
          r.fullName,
          un(r.unitId),
          r.phone ?? '',
          r.activityTitle,
          t(`reports.enrolment.${r.status}`),
        ]),
      ];
    }
    return sendCsv(reply, `follow-up-${q.list}-${result.unit.id}.csv`, toCsv(rows));
  });
};

function sendCsv(reply: FastifyReply, filename: string, body: string) {
  return reply
    .type('text/csv; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-disposition', `attachment; filename="${filename}"`)
    .send(body);
}

export const feature: Feature = {
  name: 'reports',
  routes,
  nav: [
    {
      href: '/reports/monthly',
      label: 'reports.nav',
      order: 700,
      show: (v) => can(v, 'reports.view'),
    },
    {
      href: '/reports/follow-up',
      label: 'reports.followUpNav',
      order: 710,
      show: (v) => can(v, 'reports.view'),
    },
  ],
};
