/**
 * The data resource catalog (政务数据资源目录): search and filters kept in the URL so a result
 * list can be linked and the back button works.
 */
import {
  DEPARTMENT_LEVELS,
  SENSITIVITY_LEVELS,
  SHARE_TYPES,
  UPDATE_FREQUENCIES,
} from '@shulian/chaincode/constants';
import { api, type CatalogEntry, type CatalogFilters } from '../api.js';
import { h, text, type Child } from '../dom.js';
import { t } from '../i18n/index.js';
import type { RouteParams } from '../router.js';
import { currentUser, hasRole } from '../session.js';
import {
  enumOptions,
  field,
  filterForm,
  filtersOf,
  input,
  pagedList,
  pageTitle,
  select,
  table,
  withAny,
} from '../ui.js';
import { departmentName, departmentOptions, loadDepartments } from './common.js';
import { shareTypeBadge } from './labels.js';

const FILTERS = ['q', 'owner', 'shareType', 'sensitivity', 'level', 'updateFrequency'] as const;

export async function catalogPage(params: RouteParams): Promise<HTMLElement> {
  const filters: CatalogFilters = filtersOf(params, FILTERS);
  await loadDepartments();

  const form = filterForm(
    'catalog',
    FILTERS,
    field(
      t('catalog.search'),
      input('q', {
        type: 'search',
        value: filters.q ?? '',
        placeholder: t('catalog.searchPlaceholder'),
      }),
    ),
    field(t('catalog.owner'), select('owner', withAny(departmentOptions()), filters.owner)),
    field(
      t('catalog.shareType'),
      select(
        'shareType',
        withAny(enumOptions(SHARE_TYPES, (v) => t(`shareType.${v}`))),
        filters.shareType,
      ),
    ),
    field(
      t('catalog.sensitivity'),
      select(
        'sensitivity',
        withAny(enumOptions(SENSITIVITY_LEVELS, (v) => t(`sensitivity.${v}`))),
        filters.sensitivity,
      ),
    ),
    field(
      t('catalog.level'),
      select(
        'level',
        withAny(enumOptions(DEPARTMENT_LEVELS, (v) => t(`level.${v}`))),
        filters.level,
      ),
    ),
    field(
      t('catalog.updateFrequency'),
      select(
        'updateFrequency',
        withAny(enumOptions(UPDATE_FREQUENCIES, (v) => t(`frequency.${v}`))),
        filters.updateFrequency,
      ),
    ),
  );

  return h(
    'div',
    null,
    pageTitle(
      t('catalog.title'),
      hasRole('publisher')
        ? h('a', { class: 'btn primary', href: '#/catalog/new' }, t('catalog.publish'))
        : null,
    ),
    // Signed out, the gateway answers the open catalog (开放 entries) only, as open-data portals do.
    currentUser()
      ? null
      : h(
          'p',
          { class: 'alert ok', role: 'note' },
          t('catalog.publicHint'),
          text(' '),
          h('a', { href: '#/signin?next=catalog' }, t('account.signIn')),
        ),
    form,
    await pagedList(
      t('catalog.results'),
      (page) => api.catalog.search(filters, page),
      (items) => resultsTable(items),
    ),
  );
}

function resultsTable(items: readonly CatalogEntry[]): Child {
  return [
    h('p', { class: 'count', role: 'status' }, t('catalog.count', { count: items.length })),
    table<CatalogEntry>(
      t('catalog.results'),
      [
        {
          header: t('catalog.name'),
          cell: (e) => h('a', { href: `#/catalog/${encodeURIComponent(e.id)}` }, text(e.name)),
        },
        { header: t('catalog.code'), cell: (e) => text(e.id) },
        { header: t('catalog.owner'), cell: (e) => departmentName(e.owner) },
        { header: t('catalog.shareType'), cell: (e) => shareTypeBadge(e.shareType) },
        { header: t('catalog.updateFrequency'), cell: (e) => t(`frequency.${e.updateFrequency}`) },
        { header: t('catalog.fieldCount'), cell: (e) => text(e.fields.length), numeric: true },
        { header: t('catalog.revision'), cell: (e) => text(e.version), numeric: true },
      ],
      items,
    ),
  ];
}
