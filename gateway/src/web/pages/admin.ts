/**
 * Administration (管理): a department's admin manages its users (roles on the ledger and a token
 * in one step, what each user's tokens claim that the ledger does not grant, roles changed,
 * tokens revoked); the coordinator's admin also manages the departments, the working-day calendar
 * of each year (holidays and make-up working days, 调休) and catalog update requirements. Every
 * change is a ledger transaction made through the gateway's API, as the CLI and scripts make them.
 */
import {
  DEPARTMENT_LEVELS,
  REGISTRY_ROLES,
  type DepartmentLevel,
  type RegistryRole,
} from '@shulian/chaincode/constants';
import { api, ApiError, type Department, type DepartmentUser } from '../api.js';
import { isDay } from '../dates.js';
import { h, replace, text } from '../dom.js';
import { t, type Msg } from '../i18n/index.js';
import { go, refresh, type RouteParams } from '../router.js';
import { currentUser, hasRole } from '../session.js';
import {
  badge,
  button,
  checkboxes,
  checkedValues,
  confirmDialog,
  enumOptions,
  errorText,
  field,
  formatTime,
  formValue,
  input,
  mono,
  notice,
  onSubmit,
  pagedList,
  pageTitle,
  section,
  select,
  statusLine,
  submit,
  table,
  textarea,
  UserError,
  listItems,
} from '../ui.js';
import {
  cstToday,
  departmentName,
  departmentOptions,
  forgetDepartments,
  loadDepartments,
  rolesLabel,
} from './common.js';
import { updatesTable } from './requests.js';

const roleOptions = () => enumOptions(REGISTRY_ROLES, (r) => t(`role.${r}`));

export async function adminPage(params: RouteParams): Promise<HTMLElement> {
  const me = currentUser();
  if (!me || !hasRole('admin'))
    return h('div', null, pageTitle(t('admin.title')), notice('warn', t('admin.onlyAdmins')));
  const directory = await loadDepartments();
  const coordinator = me.isCoordinator;
  return h(
    'div',
    null,
    pageTitle(t('admin.title')),
    await usersSection(me.department),
    coordinator ? departmentsSection([...directory.values()], me.department) : null,
    coordinator ? await calendarSection(params) : null,
    coordinator ? await updatesSection() : null,
  );
}

// ---- a department's users ----------------------------------------------------------------------

async function usersSection(department: string): Promise<HTMLElement> {
  const list = h('div');
  // Outside the table, which every change re-renders: the outcome of a revocation stays in view.
  const outcome = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const reload = async (): Promise<void> => {
    replace(
      list,
      usersTable(department, (await api.admin.users(department)).items, reload, outcome),
    );
  };
  await reload();
  const token = h('div', { class: 'issued-token' });
  const form = h(
    'form',
    { class: 'form-grid', 'aria-label': t('admin.create') },
    field(t('admin.user'), input('user', { required: true, autocomplete: 'off' })),
    field(t('admin.label'), input('label', { autocomplete: 'off' })),
    checkboxes(t('admin.roles'), 'role', roleOptions(), []),
    h('div', { class: 'form-actions' }, submit(t('admin.createSubmit'))),
  );
  onSubmit(form, async () => {
    const user = formValue(form, 'user');
    const roles = checkedValues(form, 'role') as RegistryRole[];
    if (roles.length === 0) throw new UserError(t('admin.rolesRequired'));
    const label = formValue(form, 'label');
    const created = await api.admin.createUser(department, {
      user,
      roles,
      ...(label ? { label } : {}),
    });
    form.reset();
    // Shown once: the gateway keeps only its hash. Not re-rendered away by the list's reload.
    replace(
      token,
      notice('ok', t('admin.created', { user: created.user, block: created.tx.blockNumber })),
      h('p', null, mono(created.token)),
    );
    await reload();
  });
  return section(
    t('admin.users', { department: departmentName(department) }),
    list,
    outcome,
    h('h3', null, t('admin.create')),
    h('p', { class: 'hint' }, t('admin.createHint')),
    form,
    token,
  );
}

function usersTable(
  department: string,
  users: readonly DepartmentUser[],
  reload: () => Promise<void>,
  outcome: HTMLElement,
): HTMLElement {
  return table<DepartmentUser>(
    t('admin.users', { department: departmentName(department) }),
    [
      { header: t('admin.user'), cell: (u) => text(u.user) },
      {
        header: t('admin.roles'),
        cell: (u) => [
          // The department's own admin identity: its role is the admin's, not a registry role.
          u.user === 'admin' && u.roles.length === 0
            ? rolesLabel(['admin'])
            : u.roles.length
              ? rolesLabel(u.roles)
              : badge(t('admin.noRole'), 'warn'),
          u.lacks.length
            ? [h('br'), badge(t('admin.lacksValue', { roles: rolesLabel(u.lacks) }), 'bad')]
            : null,
        ],
      },
      { header: t('admin.tokens'), cell: (u) => text(u.tokens.length), numeric: true },
      { header: t('common.actions'), cell: (u) => userActions(department, u, reload, outcome) },
    ],
    users,
  );
}

/** Change a user's roles on the ledger, or revoke every token of the user (after a confirmation). */
function userActions(
  department: string,
  u: DepartmentUser,
  reload: () => Promise<void>,
  outcome: HTMLElement,
): HTMLElement {
  // The department's own admin identity holds no registry role; its tokens only are managed here.
  const form = h(
    'form',
    { class: 'row-form' },
    u.user === 'admin'
      ? null
      : [
          checkboxes(t('admin.rolesOf', { user: u.user }), 'role', roleOptions(), u.roles),
          submit(t('admin.setRoles'), 'secondary'),
        ],
  );
  onSubmit(form, async () => {
    const roles = checkedValues(form, 'role') as RegistryRole[];
    await api.admin.setRoles(department, u.user, roles);
    await reload();
  });
  const revoke = u.tokens.length
    ? button(
        t('admin.revoke'),
        () =>
          void (async () => {
            const question = t('admin.revokeConfirm', { user: u.user });
            if (!(await confirmDialog(question, t('admin.revoke'), 'danger'))) return;
            revoke!.disabled = true;
            outcome.className = 'form-status';
            outcome.replaceChildren(t('common.working'));
            try {
              const { revoked } = await api.admin.revokeTokens(department, u.user);
              await reload();
              outcome.replaceChildren(t('admin.revoked', { count: revoked.length }));
            } catch (err) {
              outcome.className = 'form-status error';
              outcome.replaceChildren(errorText(err));
              revoke!.disabled = false;
            }
          })(),
        'danger',
        { 'aria-label': t('admin.revokeOf', { user: u.user }) },
      )
    : null;
  return h('div', { class: 'user-actions' }, form, revoke);
}

// ---- the coordinator: departments ---------------------------------------------------------------

const levelLabel = (level: DepartmentLevel): Msg => t(`level.${level}`);

function departmentsSection(departments: readonly Department[], own: string): HTMLElement {
  const all = departmentOptions();
  const form = h(
    'form',
    { class: 'form-grid', 'aria-label': t('admin.register') },
    field(
      t('admin.departmentId'),
      input('id', {
        required: true,
        autocomplete: 'off',
      }),
    ),
    field(t('admin.nameZh'), input('nameZh', { required: true, lang: 'zh-CN' })),
    field(t('admin.nameEn'), input('nameEn', { required: true, lang: 'en' })),
    field(t('admin.level'), select('level', enumOptions(DEPARTMENT_LEVELS, levelLabel), 'city')),
    field(t('admin.parent'), select('parent', [{ value: '', label: t('admin.noParent') }, ...all])),
    h('div', { class: 'form-actions' }, submit(t('admin.registerSubmit'))),
  );
  onSubmit(form, async () => {
    const id = formValue(form, 'id');
    await api.admin.registerDepartment({
      id,
      nameZh: formValue(form, 'nameZh'),
      nameEn: formValue(form, 'nameEn'),
      level: formValue(form, 'level') as DepartmentLevel,
      parent: formValue(form, 'parent') || null,
    });
    forgetDepartments();
    await refresh();
    return t('admin.registered', { id });
  });
  return section(
    t('admin.departments'),
    departmentsTable(departments, own),
    h('h3', null, t('admin.register')),
    form,
  );
}

function departmentsTable(departments: readonly Department[], own: string): HTMLElement {
  return table<Department>(
    t('admin.departments'),
    [
      { header: t('admin.departmentId'), cell: (d) => mono(d.id) },
      { header: t('common.department'), cell: (d) => departmentName(d.id) },
      { header: t('admin.level'), cell: (d) => levelLabel(d.level) },
      {
        header: t('admin.parent'),
        cell: (d) => (d.parent ? departmentName(d.parent) : t('admin.noParent')),
      },
      {
        header: t('admin.status'),
        cell: (d) => badge(t(`departmentStatus.${d.status}`), d.status === 'active' ? 'ok' : 'bad'),
      },
      // The coordinator does not suspend itself.
      { header: t('common.actions'), cell: (d) => (d.id === own ? null : statusToggle(d)) },
    ],
    departments,
  );
}

/** Suspending a department stops its writes; the coordinator can reactivate it. */
function statusToggle(d: Department): HTMLElement {
  const next = d.status === 'active' ? 'suspended' : 'active';
  const status = statusLine();
  const label = next === 'suspended' ? t('admin.suspend') : t('admin.activate');
  const btn = button(
    label,
    () =>
      void (async () => {
        const question = t('admin.suspendConfirm', { name: departmentName(d.id) });
        if (next === 'suspended' && !(await confirmDialog(question, label, 'danger'))) return;
        btn.disabled = true;
        status.replaceChildren(t('common.working'));
        try {
          await api.admin.setDepartmentStatus(d.id, next);
          forgetDepartments();
          await refresh();
        } catch (err) {
          status.className = 'form-status error';
          status.replaceChildren(errorText(err));
          btn.disabled = false;
        }
      })(),
    next === 'suspended' ? 'danger' : 'secondary',
    { 'aria-label': t('admin.toggleOf', { action: label, name: departmentName(d.id) }) },
  );
  return h('span', { class: 'action' }, btn, status);
}

// ---- the coordinator: working-day calendar --------------------------------------------------------

/**
 * Dates typed one per line (or separated by commas or spaces), checked to be days of `year` that
 * exist (Date.parse takes 2031-02-30 for 2 March).
 */
function daysOf(value: string, year: number): string[] {
  const days = listItems(value);
  const bad = days.filter((d) => !isDay(d) || !d.startsWith(`${year}-`));
  if (bad.length) throw new UserError(t('admin.badDays', { year, days: bad.join(', ') }));
  return [...new Set(days)].sort();
}

async function calendarSection(params: RouteParams): Promise<HTMLElement> {
  const thisYear = Number(cstToday().slice(0, 4));
  const asked = Number(params.query.get('year'));
  const year = Number.isInteger(asked) && asked >= 2000 && asked <= 2999 ? asked : thisYear;
  const calendar = await api.admin.calendar(year).catch((err: unknown) => {
    if (err instanceof ApiError && err.code === 'CALENDAR_NOT_FOUND') return null;
    throw err;
  });
  const pickYear = h(
    'form',
    { class: 'filters', 'aria-label': t('admin.year') },
    field(
      t('admin.year'),
      input('year', { type: 'number', min: 2000, max: 2999, value: String(year) }),
    ),
    h('div', { class: 'filter-actions' }, submit(t('admin.showYear'), 'secondary')),
  );
  pickYear.addEventListener('submit', (event) => {
    event.preventDefault();
    go(`admin?year=${encodeURIComponent(formValue(pickYear, 'year'))}`);
  });
  const form = h(
    'form',
    { class: 'calendar-form', 'aria-label': t('admin.publish', { year }) },
    field(
      t('admin.holidays'),
      textarea('holidays', { rows: 8, value: calendar?.holidays.join('\n') ?? '' }),
    ),
    field(
      t('admin.workdays'),
      textarea('workdays', { rows: 8, value: calendar?.workdays.join('\n') ?? '' }),
    ),
    h('div', { class: 'form-actions' }, submit(t('admin.publish', { year }))),
  );
  onSubmit(form, async () => {
    const holidays = daysOf(formValue(form, 'holidays'), year);
    const workdays = daysOf(formValue(form, 'workdays'), year);
    await api.admin.publishCalendar(year, holidays, workdays);
    return t('admin.published', { year });
  });
  return section(
    t('admin.calendar'),
    pickYear,
    calendar
      ? h(
          'p',
          { class: 'hint' },
          t('admin.calendarUpdated', { year }),
          text(' '),
          formatTime(calendar.updatedAt),
        )
      : notice('warn', t('admin.calendarNone', { year })),
    form,
  );
}

// ---- the coordinator: catalog update requirements -------------------------------------------------

async function updatesSection(): Promise<HTMLElement> {
  const form = h(
    'form',
    { class: 'form-grid', 'aria-label': t('updates.require') },
    field(t('admin.requireCatalog'), input('catalogId', { required: true, autocomplete: 'off' })),
    field(t('updates.reason'), input('reason', { required: true, autocomplete: 'off' })),
    h('div', { class: 'form-actions' }, submit(t('updates.require'))),
  );
  onSubmit(form, async () => {
    const id = formValue(form, 'catalogId');
    await api.catalog.requireUpdate(id, formValue(form, 'reason'));
    await refresh();
    return t('admin.required', { id });
  });
  return section(
    t('admin.updates'),
    await pagedList(
      t('updates.open'),
      (page) => api.catalogUpdates.list({ status: 'open', ...page }),
      (rows) => updatesTable(t('updates.open'), rows, true),
    ),
    h('h3', null, t('updates.require')),
    form,
  );
}
