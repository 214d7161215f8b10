/**
 * The ledger network: each department's node with its height, last block hash and commit hash,
 * whether they agree, and a button that re-verifies every node's chain; then the gateway
 * directory (each department's own gateway as its admin published it on the ledger, with the
 * SHA-256 fingerprint of the TLS certificate other gateways pin).
 */
import { api, type DepartmentGateway, type NodeStatus, type VerifyReport } from '../api.js';
import { h, text } from '../dom.js';
import { t } from '../i18n/index.js';
import {
  badge,
  button,
  details,
  errorBox,
  formatTime,
  mono,
  notice,
  pageTitle,
  section,
  table,
} from '../ui.js';
import { departmentCell, loadDepartments } from './common.js';

export async function networkPage(): Promise<HTMLElement> {
  const [status, directory] = await Promise.all([
    api.ledger.status(),
    api.gateways().then(({ items }) => withFingerprints(items)),
    loadDepartments(),
  ]);
  const report = h('div', { 'aria-live': 'polite' });
  const verify = button(
    t('network.verify'),
    () => {
      verify.disabled = true;
      report.replaceChildren(h('p', null, t('network.verifying')));
      api.ledger
        .verify()
        .then((r) => report.replaceChildren(verifyReport(r)))
        .catch((err: unknown) => report.replaceChildren(errorBox(err)))
        .finally(() => (verify.disabled = false));
    },
    'primary',
  );
  return h(
    'div',
    null,
    pageTitle(t('network.title'), verify),
    h(
      'div',
      { class: 'panel' },
      details([
        [t('network.engine'), t(`engine.${status.engine}`)],
        [t('network.channel'), text(status.channel)],
        [t('network.height'), text(status.height)],
        [
          t('network.agreement'),
          status.agreement ? badge(t('network.agree'), 'ok') : badge(t('network.disagree'), 'bad'),
        ],
      ]),
    ),
    report,
    section(
      t('network.nodes'),
      table<NodeStatus>(
        t('network.nodes'),
        [
          {
            header: t('common.department'),
            cell: (n) => departmentCell(n.id),
          },
          {
            header: t('network.running'),
            cell: (n) =>
              n.running ? badge(t('network.up'), 'ok') : badge(t('network.down'), 'bad'),
          },
          { header: t('network.height'), cell: (n) => text(n.height), numeric: true },
          { header: t('network.lastBlock'), cell: (n) => mono(n.lastBlockHash) },
          { header: t('network.commitHash'), cell: (n) => mono(n.commitHash) },
        ],
        status.nodes,
        (n) => (n.running ? '' : 'down'),
      ),
    ),
    gatewayDirectory(directory),
  );
}

type Listed = DepartmentGateway & { fingerprint: string };

/** SHA-256 of the certificate's DER, as `openssl x509 -fingerprint -sha256` prints it. */
async function withFingerprints(items: DepartmentGateway[]): Promise<Listed[]> {
  return Promise.all(
    items.map(async (g) => {
      const body = g.tlsCertificate.replace(/-----[A-Z ]+-----|\s/g, '');
      const der = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', der));
      const hex = [...digest].map((b) => b.toString(16).padStart(2, '0').toUpperCase());
      return { ...g, fingerprint: hex.join(':') };
    }),
  );
}

function gatewayDirectory(items: Listed[]): HTMLElement {
  return section(
    t('network.gateways'),
    items.length === 0
      ? h('p', null, t('network.noGateways'))
      : table<Listed>(
          t('network.gateways'),
          [
            { header: t('common.department'), cell: (g) => departmentCell(g.department) },
            { header: t('network.gatewayUrl'), cell: (g) => mono(g.url) },
            { header: t('network.tlsFingerprint'), cell: (g) => mono(g.fingerprint) },
            { header: t('network.publishedAt'), cell: (g) => formatTime(g.publishedAt) },
          ],
          items,
        ),
  );
}

function verifyReport(r: VerifyReport): HTMLElement {
  if (r.ok) return notice('ok', t('network.verified', { blocks: r.checkedBlocks }));
  return h(
    'div',
    { class: 'alert error', role: 'alert' },
    h('p', null, t('network.diverged', { blocks: r.checkedBlocks })),
    h(
      'ul',
      null,
      r.divergences.map((d) =>
        h(
          'li',
          null,
          t('network.divergence', {
            node: d.node,
            height: d.height,
            key: d.key ?? '—',
            reason: d.reason,
          }),
        ),
      ),
    ),
  );
}
