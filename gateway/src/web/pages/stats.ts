/**
 * Monitoring and evaluation (监测评估): per-department response times, overdue items, share
 * rate and quality rate, as charts and as the table they are drawn from.
 */
import { api, type DepartmentStats } from '../api.js';
import { barChart } from '../charts.js';
import { h, text } from '../dom.js';
import { t } from '../i18n/index.js';
import { formatNumber, formatPercent, pageTitle, section, table } from '../ui.js';
import { canAudit } from '../session.js';
import { departmentName, loadDepartments } from './common.js';

/** Targets from the policy documents: share rate ≥ 95 % (Tongzhou), pass rate ≥ 95 % (Jinan). */
const SHARE_RATE_TARGET = 0.95;
const QUALITY_RATE_TARGET = 0.95;

/** Requests and objections still open past their deadlines. */
const overdue = (s: DepartmentStats): number =>
  s.overdueRequests + s.overdueObjections + s.overdueCatalogUpdates;

/** Hours when answers take hours (the policy counts days), minutes when they are quick. */
function responseTime(hours: number | null): string {
  if (hours === null) return '—';
  if (hours >= 1) return t('stats.hours', { hours: formatNumber(hours, 1).data });
  const minutes = Math.round(hours * 60);
  return minutes < 1 ? t('stats.underMinute') : t('stats.minutes', { minutes });
}

const percent = (ratio: number | null): string => formatPercent(ratio).data;

export async function statsPage(): Promise<HTMLElement> {
  const [{ items }] = await Promise.all([api.stats(), loadDepartments()]);
  const bars = (
    value: (s: DepartmentStats) => number | null,
    display: (s: DepartmentStats) => string,
    warn: (s: DepartmentStats) => boolean,
  ) =>
    items.map((s) => ({
      label: departmentName(s.department),
      value: value(s),
      display: display(s),
      warn: warn(s),
    }));
  return h(
    'div',
    null,
    pageTitle(t('stats.title')),
    h(
      'div',
      { class: 'charts' },
      barChart(
        t('stats.responseTime'),
        bars(
          (s) => s.meanResponseHours,
          (s) => responseTime(s.meanResponseHours),
          () => false,
        ),
      ),
      barChart(
        t('stats.overdue'),
        bars(
          overdue,
          (s) => formatNumber(overdue(s)).data,
          (s) => overdue(s) > 0,
        ),
      ),
      barChart(
        t('stats.shareRate'),
        bars(
          (s) => s.shareRate,
          (s) => percent(s.shareRate),
          (s) => s.shareRate !== null && s.shareRate < SHARE_RATE_TARGET,
        ),
        1,
      ),
      barChart(
        t('stats.qualityRate'),
        bars(
          (s) => s.qualityRate,
          (s) => percent(s.qualityRate),
          (s) => s.qualityRate !== null && s.qualityRate < QUALITY_RATE_TARGET,
        ),
        1,
      ),
    ),
    section(
      t('stats.table'),
      table<DepartmentStats>(
        t('stats.table'),
        [
          { header: t('common.department'), cell: (s) => departmentName(s.department) },
          {
            header: t('stats.received'),
            cell: (s) => formatNumber(s.requestsReceived),
            numeric: true,
          },
          { header: t('stats.answered'), cell: (s) => formatNumber(s.answered), numeric: true },
          {
            header: t('stats.responseTime'),
            cell: (s) => text(responseTime(s.meanResponseHours)),
            numeric: true,
          },
          {
            header: t('stats.overdueRequests'),
            // Supervisors and the coordinator open the overdue requests themselves.
            cell: (s) =>
              s.overdueRequests > 0 && canAudit()
                ? h(
                    'a',
                    {
                      href: `#/requests?department=${encodeURIComponent(s.department)}&overdue=1`,
                      'aria-label': t('stats.openOverdue', {
                        department: departmentName(s.department),
                      }),
                    },
                    formatNumber(s.overdueRequests),
                  )
                : formatNumber(s.overdueRequests),
            numeric: true,
          },
          {
            header: t('stats.overdueObjections'),
            cell: (s) => formatNumber(s.overdueObjections),
            numeric: true,
          },
          {
            header: t('stats.overdueCatalogUpdates'),
            cell: (s) => formatNumber(s.overdueCatalogUpdates),
            numeric: true,
          },
          { header: t('stats.uses'), cell: (s) => formatNumber(s.usesAllowed), numeric: true },
          { header: t('stats.refused'), cell: (s) => formatNumber(s.usesDenied), numeric: true },
          { header: t('stats.shareRate'), cell: (s) => formatPercent(s.shareRate), numeric: true },
          {
            header: t('stats.qualityRate'),
            cell: (s) => formatPercent(s.qualityRate),
            numeric: true,
          },
        ],
        items,
      ),
    ),
  );
}
