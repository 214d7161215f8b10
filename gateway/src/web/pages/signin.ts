/**
 * Sign in by pasting a bearer token, or, when the gateway runs the demo, by picking one of the
 * demo identities it seeded (department and role), which is what a first-time visitor wants.
 */
import { api, type DemoIdentity } from '../api.js';
import { h, text } from '../dom.js';
import { t } from '../i18n/index.js';
import { go, type RouteParams } from '../router.js';
import { signIn } from '../session.js';
import {
  button,
  errorText,
  field,
  input,
  onSubmit,
  pageTitle,
  section,
  submit,
  table,
} from '../ui.js';
import { departmentName, rolesLabel } from './common.js';

export async function signInPage(params: RouteParams): Promise<HTMLElement> {
  const next = params.query.get('next') ?? 'catalog';
  const enter = async (token: string): Promise<void> => {
    await signIn(token);
    go(next);
  };

  const tokenInput = input('token', {
    type: 'password',
    autocomplete: 'off',
    required: true,
    placeholder: t('signin.tokenPlaceholder'),
  });
  const form = onSubmit(
    h(
      'form',
      { class: 'stack' },
      field(t('signin.token'), tokenInput, t('signin.tokenHint')),
      h('div', null, submit(t('signin.submit'))),
    ),
    () => enter(tokenInput.value.trim()),
  );

  return h(
    'div',
    { class: 'narrow' },
    pageTitle(t('signin.title')),
    // In the demo, picking a user is what a visitor wants first; a real token is the fallback.
    await demoSection(enter),
    section(t('signin.withToken'), form),
  );
}

/**
 * Whether the gateway serves this browser the demo sign-in: the page it served says so (routes/
 * web.ts), on only in demo mode and to a client on the gateway's machine. Elsewhere (a department's
 * own gateway, a server started without --demo) /demo/identities does not exist, and asking for
 * it would only put a failed request in the browser's console.
 */
export function servesDemo(doc: Pick<Document, 'querySelector'> = document): boolean {
  return doc.querySelector('meta[name="shulian-demo"]')?.getAttribute('content') === 'on';
}

/** The demo identities, or nothing when the gateway does not run the demo. */
async function demoSection(enter: (token: string) => Promise<void>): Promise<HTMLElement | null> {
  if (!servesDemo()) return null;
  let identities: DemoIdentity[];
  try {
    identities = (await api.demoIdentities()).items;
  } catch {
    return null;
  }
  const status = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  const pickUser = (identity: DemoIdentity): void => {
    status.replaceChildren(t('common.working'));
    enter(identity.token).catch((err: unknown) => {
      status.className = 'form-status error';
      status.replaceChildren(errorText(err));
    });
  };
  return section(
    t('signin.demo'),
    h('p', null, t('signin.demoHint')),
    table(
      t('signin.demo'),
      [
        { header: t('common.department'), cell: (i) => departmentName(i.department) },
        { header: t('common.user'), cell: (i) => text(i.user) },
        { header: t('common.roles'), cell: (i) => rolesLabel(i.roles) },
        {
          header: t('common.actions'),
          cell: (i) =>
            button(t('signin.as', { user: i.user }), () => pickUser(i), 'primary', {
              'aria-label': t('signin.asLabel', {
                user: i.user,
                department: departmentName(i.department),
              }),
            }),
        },
      ],
      identities,
    ),
    status,
  );
}
