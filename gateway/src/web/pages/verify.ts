/**
 * Verify a file, a proof bundle or a single record, in the browser. A file is hashed here and only
 * its digest is sent to the ledger; a proof bundle is verified entirely here (signatures with
 * WebCrypto against the network's trust file), with the file hashed above as the subject when
 * there is one; a bare record proof is checked here and its root then looked up on the ledger.
 * A delivery receipt is a bundle too: the file hashed above is what a use delivered (a download
 * limited to the granted fields is anchored nowhere), and the page says to whom, under which
 * grant and purpose, and when.
 */
import type { Json } from '@shulian/chaincode/canonical';
import {
  DIGEST_ALGORITHMS,
  PURPOSES,
  USAGE_ACTIONS,
  type DigestAlgorithm,
  type Purpose,
  type UsageAction,
} from '@shulian/chaincode/constants';
import type { DeliveredUse, HeldSubject, VerifyResult } from '@shulian/proof/bundle';
import {
  disclosedRecord,
  verifyRecordProof,
  verifySelectiveRecordProof,
  type RecordProof,
  type SelectiveRecordProof,
} from '@shulian/proof/records';
import { api, type DigestMatch } from '../api.js';
import { h, text } from '../dom.js';
import { getLang, t } from '../i18n/index.js';
import { proofCheckKey } from '../../i18n/proof-checks.js';
import { HASHES } from '../hashing-js.js';
import { hashFile } from '../hashing.js';
import {
  details,
  enumOptions,
  errorBox,
  errorText,
  field,
  fileInput,
  formatBytes,
  formatTime,
  mono,
  notice,
  pageTitle,
  section,
  select,
  submit,
  table,
  textarea,
} from '../ui.js';
import {
  catalogLink,
  departmentName,
  fieldsLabel,
  loadDepartments,
  loadEntries,
  person,
  purposeLabel,
} from './common.js';

/** The file hashed in the first section, which a proof bundle is then checked against. */
let hashed: {
  name: string;
  digest: { algorithm: DigestAlgorithm; value: string };
  size: number;
} | null = null;

/**
 * Each result belongs to one file and one proof: a result shown for a bundle is cleared when the
 * file it was compared with changes (another file, another algorithm, or hashing under way).
 */
let clearProofResult = (): void => {};

export async function verifyPage(): Promise<HTMLElement> {
  await loadDepartments();
  hashed = null;
  const proof = proofSection();
  return h('div', null, pageTitle(t('verify.title')), fileSection(), proof);
}

function matchesTable(matches: readonly DigestMatch[]): HTMLElement {
  if (matches.length === 0) return notice('warn', t('verify.noMatch'));
  return h(
    'div',
    null,
    notice('ok', t('verify.matched', { count: matches.length })),
    table<DigestMatch>(
      t('verify.matches'),
      [
        {
          header: t('verify.dataset'),
          cell: (m) => catalogLink(m.catalogId, m.catalogName ?? undefined),
        },
        { header: t('catalog.version'), cell: (m) => text(m.version), numeric: true },
        { header: t('common.department'), cell: (m) => departmentName(m.owner) },
        { header: t('common.block'), cell: (m) => text(m.blockNumber), numeric: true },
        { header: t('common.tx'), cell: (m) => mono(m.txId) },
        { header: t('common.time'), cell: (m) => formatTime(m.anchoredAt) },
      ],
      matches,
    ),
  );
}

function fileSection(): HTMLElement {
  const algorithm = select(
    'algorithm',
    enumOptions(DIGEST_ALGORITHMS, (v) => t(`algorithm.${v}`)),
    'sha256',
  );
  // The drop zone is the one tab stop and opens the picker; the input stays out of the tab order.
  const fileInput = h('input', {
    type: 'file',
    id: 'verify-file',
    class: 'visually-hidden',
    tabindex: -1,
  });
  const progress = h('progress', { max: 1, value: '0', hidden: true });
  progress.id = 'verify-progress';
  const progressLabel = h('label', { for: progress.id, hidden: true }, t('verify.progress'));
  const result = h('div', { 'aria-live': 'polite' });
  const zone = h(
    'label',
    { for: fileInput.id, class: 'dropzone', tabindex: 0 },
    h('strong', null, t('verify.drop')),
    h('span', null, t('verify.local')),
  );

  let running: AbortController | null = null;
  /** The file last chosen, hashed again when the algorithm changes. */
  let chosen: File | null = null;
  const verify = async (file: File): Promise<void> => {
    running?.abort();
    const controller = new AbortController();
    running = controller;
    chosen = file;
    // Nothing shown may belong to the previous file while this one is hashed.
    hashed = null;
    clearProofResult();
    const alg = algorithm.value as DigestAlgorithm;
    progress.hidden = progressLabel.hidden = false;
    progress.value = 0;
    result.replaceChildren(h('p', null, t('verify.hashing', { name: file.name })));
    try {
      const digest = await hashFile(
        file,
        alg,
        (done, total) => {
          progress.value = total === 0 ? 1 : done / total;
        },
        controller.signal,
      );
      hashed = { name: file.name, digest: { algorithm: alg, value: digest }, size: file.size };
      result.replaceChildren(
        h('p', null, t('verify.digestOf', { name: file.name }), text(' '), formatBytes(file.size)),
        h('p', null, h('span', { class: 'alg' }, t(`algorithm.${alg}`)), mono(digest)),
        h('p', null, t('common.working')),
      );
      const { matches } = await api.verify.digest(alg, digest);
      if (running === controller) result.lastElementChild?.replaceWith(matchesTable(matches));
    } catch (err) {
      if (!controller.signal.aborted) result.appendChild(errorBox(err));
    }
  };

  algorithm.addEventListener('change', () => {
    if (chosen) void verify(chosen);
  });
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    if (file) void verify(file);
  });
  // The label opens the picker on click and Enter is handled here for keyboard users.
  zone.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      fileInput.click();
    }
  });
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const file = e.dataTransfer?.files[0];
    if (file) void verify(file);
  });

  return section(
    t('verify.fileTitle'),
    h('p', null, t('verify.fileHint')),
    field(t('verify.algorithm'), algorithm),
    fileInput,
    zone,
    h('div', { class: 'progress' }, progressLabel, progress),
    result,
  );
}

function proofSection(): HTMLElement {
  const proofInput = textarea('proof', {
    rows: 6,
    required: true,
    placeholder: t('verify.proofPlaceholder'),
  });
  // A proof file may be chosen instead of pasted; its text lands in the box so the user sees it.
  const proofFile = fileInput('proofFile', { accept: '.json,application/json' });
  proofFile.addEventListener('change', () => {
    void proofFile.files?.[0]?.text().then((content) => {
      proofInput.value = content;
    });
  });
  const trustFile = fileInput('trustFile', { accept: '.json,application/json' });
  const result = h('div', { 'aria-live': 'polite' });
  // A result is about this proof and trust file: changing either clears it.
  clearProofResult = () => result.replaceChildren();
  for (const control of [proofInput, proofFile, trustFile])
    control.addEventListener('input', clearProofResult);
  const form = h(
    'form',
    { class: 'stack' },
    h('p', null, t('verify.proofHint')),
    h(
      'div',
      { class: 'grid2' },
      field(t('verify.proofFile'), proofFile),
      field(t('verify.trustFile'), trustFile, t('verify.trustHint')),
    ),
    field(t('verify.proof'), proofInput),
    h('div', null, submit(t('verify.proofSubmit'))),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    result.replaceChildren(h('p', null, t('common.working')));
    checkProof(proofInput.value, trustFile.files?.[0]).then(
      (shown) => result.replaceChildren(...shown),
      (err: unknown) => result.replaceChildren(errorBox(err)),
    );
  });
  return section(t('verify.proofTitle'), form, result);
}

interface BundleLike {
  format: 'shulian-proof';
  subject:
    | { kind: 'file' | 'delivery'; digest: { algorithm: DigestAlgorithm; value: string } }
    | { kind: 'record'; proof: RecordProof | SelectiveRecordProof };
}

const isBundle = (value: unknown): value is BundleLike =>
  typeof value === 'object' &&
  value !== null &&
  (value as { format?: unknown }).format === 'shulian-proof';

async function checkProof(raw: string, trustFile: File | undefined): Promise<HTMLElement[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [notice('error', t('verify.recordNotJson'))];
  }
  return isBundle(parsed)
    ? checkBundle(parsed, trustFile)
    : checkRecordProof(parsed as RecordProof | SelectiveRecordProof);
}

/** Full offline verification: nothing about the bundle is asked of the gateway. */
async function checkBundle(
  bundle: BundleLike,
  trustFile: File | undefined,
): Promise<HTMLElement[]> {
  // The trust file should come from outside the gateway being checked; fetching it from this
  // gateway is offered for convenience and said so.
  // The trust route is public, so a signed-out visitor can check a bundle too.
  const trust: unknown = trustFile ? JSON.parse(await trustFile.text()) : await api.ledger.trust();
  let held: HeldSubject | undefined;
  const notes: HTMLElement[] = [];
  if (bundle.subject.kind !== 'record') {
    if (hashed && hashed.digest.algorithm === bundle.subject.digest.algorithm) {
      held = { kind: 'file', digest: hashed.digest, size: hashed.size };
      notes.push(h('p', null, t('verify.heldFile', { name: hashed.name })));
    } else {
      notes.push(notice('warn', t('verify.noHeldFile')));
    }
  }
  if (!trustFile) notes.push(h('p', { class: 'hint' }, t('verify.trustFromGateway')));
  // Loaded on first use: the verifier (schemas, DER, signature checks) is most of the bundle's
  // weight and only this section needs it.
  const [{ verifyBundle }, { browserProofCrypto }] = await Promise.all([
    import('@shulian/proof/bundle'),
    import('@shulian/proof/browser'),
  ]);
  const result: VerifyResult = await verifyBundle(bundle, trust, browserProofCrypto(), held);
  if (!result.ok) {
    return [
      notice(
        'error',
        result.failures.length === 1
          ? t('verify.bundleFailedOne')
          : t('verify.bundleFailed', { count: result.failures.length }),
      ),
      h(
        'ul',
        { class: 'failures' },
        result.failures.map((f) =>
          h(
            'li',
            null,
            t(proofCheckKey(f.check)),
            text(' '),
            h('small', { class: 'mono' }, text(f.check)),
            // The verifier's own words are English: a detail for English readers only.
            getLang() === 'en' ? text(` (${f.message})`) : null,
          ),
        ),
      ),
      ...notes,
    ];
  }
  if (result.delivery) return [...(await deliveryShown(result.delivery, result)), ...notes];
  if (bundle.subject.kind === 'record') notes.push(...withheldNote(bundle.subject.proof));
  const anchor = result.anchor.value as { [key: string]: Json };
  const catalogId = typeof anchor.catalogId === 'string' ? anchor.catalogId : '';
  return [
    notice('ok', t('verify.bundleOk')),
    ...notes,
    details([
      [t('verify.dataset'), catalogLink(catalogId)],
      [t('catalog.version'), text(typeof anchor.version === 'number' ? anchor.version : '—')],
      [t('common.department'), departmentName(result.department)],
      [t('common.block'), text(result.blockNumber)],
      [t('common.tx'), mono(result.txId)],
      [t('common.time'), formatTime(new Date(result.timestamp).toISOString())],
    ]),
  ];
}

// A verified receipt's values were written by the chaincode, but may come from a newer one.
const isAction = (value: string): value is UsageAction =>
  (USAGE_ACTIONS as readonly string[]).includes(value);
const isPurpose = (value: string): value is Purpose =>
  (PURPOSES as readonly string[]).includes(value);

/** A verified receipt: who received what, under which grant and purpose, and when. */
async function deliveryShown(
  use: DeliveredUse,
  tx: { txId: string; blockNumber: number },
): Promise<HTMLElement[]> {
  // Fields by their catalogued names when the entry can be read; their codes otherwise.
  await loadEntries([use.catalogId]).catch(() => undefined);
  return [
    notice('ok', t('verify.deliveryOk')),
    details([
      [t('verify.deliveredTo'), person(use.consumer)],
      [t('verify.dataset'), catalogLink(use.catalogId)],
      [t('catalog.version'), text(use.datasetVersion ?? '—')],
      [t('requests.provider'), departmentName(use.provider)],
      [t('audit.action'), isAction(use.action) ? t(`action.${use.action}`) : text(use.action)],
      [t('verify.grant'), use.grantId ? mono(use.grantId) : t('verify.noGrant')],
      [
        t('requests.purpose'),
        use.purpose && isPurpose(use.purpose)
          ? purposeLabel(use.purpose)
          : text(use.purpose ?? '—'),
      ],
      [t('requests.fields'), fieldsLabel(use.catalogId, use.fields)],
      [t('verify.deliveredAt'), formatTime(use.at)],
      [t('verify.deliveredBytes'), formatBytes(use.bytes)],
      [t('common.block'), text(tx.blockNumber)],
      [t('common.tx'), mono(tx.txId)],
    ]),
  ];
}

/** A bare record proof: the Merkle path is checked here, then its root is looked up on the ledger. */
async function checkRecordProof(proof: RecordProof | SelectiveRecordProof): Promise<HTMLElement[]> {
  const hash = (HASHES as Partial<Record<string, (typeof HASHES)[DigestAlgorithm]>>)[
    proof.algorithm
  ];
  if (!hash)
    return [
      notice(
        'error',
        t('verify.recordBad', { field: 'algorithm', reason: String(proof.algorithm) }),
      ),
    ];
  // Version 1 proofs carry the whole record; version 2 proofs open fields one by one.
  const check =
    'record' in proof ? verifyRecordProof(hash, proof) : verifySelectiveRecordProof(hash, proof);
  if (!check.ok)
    return [notice('error', t('verify.recordBad', { field: check.field, reason: check.reason }))];
  try {
    const { matches } = await api.verify.recordRoot(proof.root);
    return [notice('ok', t('verify.recordProofOk')), ...withheldNote(proof), matchesTable(matches)];
  } catch (err) {
    return [notice('error', errorText(err))];
  }
}

/** Names the fields a record proof gives only as commitments (selective disclosure). */
function withheldNote(proof: RecordProof | SelectiveRecordProof): HTMLElement[] {
  if ('record' in proof) return [];
  const { withheld } = disclosedRecord(proof);
  return withheld.length
    ? [h('p', null, t('verify.fieldsWithheld', { fields: withheld.join(', ') || '—' }))]
    : [];
}
