/**
 * Demo data for a first `npm start`: the departments of network/departments.yaml registered,
 * their users' roles, catalog entries (one 不予共享 with its legal basis), dataset versions with
 * files in the store, an approved request with a recorded download and a refused one, a pending
 * request, an overdue request (created with a transaction time in the past, which the embedded
 * network accepts; Fabric peers refuse transaction times more than 15 minutes off their clock,
 * so on Fabric that request is created now and is merely pending), an open objection and a
 * corrected one. Everything goes through the chaincode, as a user's actions would; tokens are
 * issued for each demo user.
 */
import { Readable } from 'node:stream';
import { canonicalJson } from '@shulian/chaincode/canonical';
import type { CatalogEntry, Purpose } from '@shulian/chaincode/constants';
import {
  TX,
  type RegistryRole,
  type RequestDecisionResult,
  type QualityObjection,
} from '@shulian/chaincode/constants';
import type { Role } from '../auth/tokens.js';
import { bootstrapNetwork } from '../services/bootstrap.js';
import type { Caller } from '../ledger/types.js';
import type { DemoIdentity, Runtime } from '../services/runtime.js';

const DAY = 86_400_000;

interface DemoUser {
  department: string;
  user: string;
  /** On-chain registry roles; `admin` users sign with the admin NodeOU instead. */
  roles: RegistryRole[];
  tokenRoles: Role[];
  label: string;
}

type EntryInput = Omit<
  CatalogEntry,
  | 'subjectField'
  | 'owner'
  | 'version'
  | 'status'
  | 'changeReason'
  | 'createdAt'
  | 'createdBy'
  | 'updatedAt'
  | 'updatedBy'
>;

const field = (
  name: string,
  nameZh: string,
  type: 'string' | 'date' | 'integer' | 'number',
  sensitivity: 'public' | 'internal' | 'sensitive' | 'important',
) => ({
  name,
  nameZh,
  type,
  sensitivity,
});

const common = {
  relatedResources: [] as string[],
  sourceSystem: null,
  shareConditions: null,
  legalBasis: null,
  publishDate: '2026-01-05',
};

/** The demo's catalog (also the OpenAPI document's example entry, routes/examples.ts). */
export const DEMO_ENTRIES: readonly { owner: string; entry: EntryInput }[] = [
  {
    owner: 'psb',
    entry: {
      ...common,
      id: 'PSB-POP-001',
      name: '人口基本信息',
      classification: 'base',
      abstract: '户籍人口的身份证号、姓名、性别、出生日期、住址等基本信息（人口基础库）。',
      format: 'text/csv',
      fields: [
        field('id_number', '公民身份号码', 'string', 'sensitive'),
        field('name', '姓名', 'string', 'internal'),
        field('gender', '性别', 'string', 'internal'),
        field('birth_date', '出生日期', 'date', 'sensitive'),
        field('address', '住址', 'string', 'sensitive'),
      ],
      shareType: 'conditional',
      shareConditions: '用于行政审批、社会保障等法定职责，按字段申请。',
      shareMethods: ['api', 'file'],
      openness: 'not_open',
      updateFrequency: 'daily',
      scenarios: ['出生登记核验', '社保参保资格核验'],
    },
  },
  {
    owner: 'psb',
    entry: {
      ...common,
      id: 'PSB-CRIM-001',
      name: '违法犯罪记录',
      classification: 'department',
      abstract: '公民违法犯罪记录，依法封存，不予共享。',
      format: 'text/csv',
      fields: [
        field('id_number', '公民身份号码', 'string', 'important'),
        field('record', '记录', 'string', 'important'),
      ],
      shareType: 'not_shared',
      legalBasis:
        '《中华人民共和国刑事诉讼法》第二百八十六条（犯罪记录封存）；《公安机关办理犯罪记录查询工作规定》',
      shareMethods: ['online_query'],
      openness: 'not_open',
      updateFrequency: 'realtime',
      scenarios: [],
    },
  },
  {
    owner: 'amr',
    entry: {
      ...common,
      id: 'AMR-ENT-001',
      name: '市场主体登记信息',
      classification: 'base',
      abstract:
        '企业、个体工商户的统一社会信用代码、名称、法定代表人、注册资本、成立日期、登记状态（法人基础库）。',
      format: 'text/csv',
      fields: [
        field('credit_code', '统一社会信用代码', 'string', 'public'),
        field('name', '名称', 'string', 'public'),
        field('legal_rep', '法定代表人', 'string', 'internal'),
        field('capital', '注册资本（万元）', 'number', 'public'),
        field('established', '成立日期', 'date', 'public'),
        field('status', '登记状态', 'string', 'public'),
      ],
      shareType: 'unconditional',
      shareMethods: ['api', 'file', 'online_query'],
      openness: 'open',
      updateFrequency: 'daily',
      scenarios: ['企业开办', '信用监管'],
    },
  },
  {
    owner: 'health',
    entry: {
      ...common,
      id: 'HLT-BIRTH-001',
      name: '出生医学证明信息',
      classification: 'theme',
      abstract: '出生医学证明编号、新生儿姓名、出生日期、母亲姓名、接生机构。',
      format: 'text/csv',
      fields: [
        field('cert_no', '出生医学证明编号', 'string', 'internal'),
        field('child_name', '新生儿姓名', 'string', 'sensitive'),
        field('birth_date', '出生日期', 'date', 'sensitive'),
        field('mother_name', '母亲姓名', 'string', 'sensitive'),
        field('hospital', '接生机构', 'string', 'public'),
      ],
      shareType: 'conditional',
      shareConditions: '用于出生登记、户口申报核验。',
      shareMethods: ['api', 'online_query'],
      openness: 'not_open',
      updateFrequency: 'daily',
      scenarios: ['出生一件事'],
    },
  },
  {
    owner: 'health',
    entry: {
      ...common,
      id: 'HLT-ORG-001',
      name: '医疗机构执业许可信息',
      classification: 'department',
      abstract: '医疗机构名称、登记号、类别、地址、有效期。',
      format: 'application/x-ndjson',
      fields: [
        field('licence_no', '登记号', 'string', 'public'),
        field('name', '机构名称', 'string', 'public'),
        field('category', '类别', 'string', 'public'),
        field('address', '地址', 'string', 'public'),
        field('valid_to', '有效期至', 'date', 'public'),
      ],
      shareType: 'unconditional',
      shareMethods: ['api', 'file'],
      openness: 'open',
      updateFrequency: 'monthly',
      scenarios: ['医疗机构监管'],
    },
  },
];

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平';
const pickName = (i: number): string =>
  `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i * 7) % GIVEN.length]}${GIVEN[(i * 13 + 3) % GIVEN.length]}`;
const day = (base: number, i: number): string =>
  new Date(base + i * DAY).toISOString().slice(0, 10);

function* lines(header: string, rows: number, row: (i: number) => string): Generator<Uint8Array> {
  const encoder = new TextEncoder();
  yield encoder.encode(header + '\n');
  for (let i = 0; i < rows; i++) yield encoder.encode(row(i) + '\n');
}

/** Each entry's data, of the format the entry declares (anchored without a Content-Type, as that). */
const DATASETS: Record<string, { content: () => Iterable<Uint8Array> }> = {
  'PSB-POP-001': {
    content: () =>
      lines('id_number,name,gender,birth_date,address', 300, (i) => {
        const birth = day(Date.UTC(1960, 0, 1), i * 97);
        return `1306821${birth.replace(/-/g, '').slice(0, 8)}${String(1000 + i).slice(-4)},${pickName(i)},${i % 2 ? '男' : '女'},${birth},"定州市${['北城区', '南城区', '西城区'][i % 3]}${100 + i}号"`;
      }),
  },
  'AMR-ENT-001': {
    content: () =>
      lines('credit_code,name,legal_rep,capital,established,status', 500, (i) =>
        [
          `91130682MA${String(100000 + i * 37).padStart(8, '0')}`,
          `定州市${['恒达', '顺意', '众成', '华北', '新源'][i % 5]}${['商贸', '建材', '科技', '农业', '餐饮'][(i * 3) % 5]}有限公司${i}`,
          pickName(i + 11),
          String(10 + (i % 50) * 10),
          day(Date.UTC(2005, 0, 1), i * 11),
          i % 17 === 0 ? '注销' : '存续',
        ].join(','),
      ),
  },
  'HLT-BIRTH-001': {
    content: () =>
      lines('cert_no,child_name,birth_date,mother_name,hospital', 200, (i) =>
        [
          `R13${String(2400000 + i)}`,
          pickName(i + 3),
          day(Date.UTC(2025, 0, 1), i),
          pickName(i + 40),
          `定州市${['人民医院', '妇幼保健院', '中医院'][i % 3]}`,
        ].join(','),
      ),
  },
  'HLT-ORG-001': {
    content: function* () {
      const encoder = new TextEncoder();
      for (let i = 0; i < 50; i++) {
        yield encoder.encode(
          JSON.stringify({
            licence_no: `PDY${String(40000 + i)}`,
            name: `定州市第${i + 1}社区卫生服务站`,
            category: i % 4 === 0 ? '医院' : '社区卫生服务站',
            address: `定州市${['北城区', '南城区'][i % 2]}卫生路${i + 1}号`,
            valid_to: day(Date.UTC(2027, 0, 1), i * 5),
          }) + '\n',
        );
      }
    },
  },
};

const USERS: DemoUser[] = [
  {
    department: 'coord',
    user: 'admin',
    roles: [],
    tokenRoles: ['admin'],
    label: '大数据中心 管理员 / coordinator admin',
  },
  {
    department: 'coord',
    user: 'auditor',
    roles: ['supervisor'],
    tokenRoles: ['supervisor'],
    label: '监督 / supervisor',
  },
  {
    department: 'psb',
    user: 'admin',
    roles: [],
    tokenRoles: ['admin'],
    label: '公安局 管理员 / admin',
  },
  {
    department: 'psb',
    user: 'clerk',
    roles: ['publisher', 'consumer'],
    tokenRoles: ['publisher', 'consumer'],
    label: '公安局 数据专员',
  },
  {
    // Market regulation verifies enterprises: its admin names the verifiers (实名核验) who bind
    // an enterprise's legal representative's key.
    department: 'amr',
    user: 'admin',
    roles: [],
    tokenRoles: ['admin'],
    label: '市场监管局 管理员 / admin',
  },
  {
    department: 'amr',
    user: 'clerk',
    roles: ['publisher', 'consumer'],
    tokenRoles: ['publisher', 'consumer'],
    label: '市场监管局 数据专员',
  },
  {
    department: 'health',
    user: 'clerk',
    roles: ['publisher', 'consumer'],
    tokenRoles: ['publisher', 'consumer'],
    label: '卫健委 数据专员',
  },
];

const clerk = (department: string): Caller => ({ department, user: 'clerk' });

/** The steps of seeding, as the server's banner words them (zh or en: cli/messages' demo.*). */
export type DemoStep =
  'calendars' | 'departments' | 'catalog' | 'versions' | 'sharing' | 'objections' | 'tokens';

/** Seeds the demo network; returns the demo identities with their (only) plaintext tokens. */
export async function seedDemo(
  runtime: Runtime,
  step: (step: DemoStep) => void = () => undefined,
): Promise<DemoIdentity[]> {
  await seedCatalog(runtime, step);
  step('sharing');
  const now = Date.now();
  const period = { from: day(now, -1), to: day(now, 180) };
  await seedSharing(runtime, period, now);
  step('objections');
  await seedObjections(runtime, period);
  step('tokens');
  return issueDemoTokens(runtime);
}

/** The network, the users' roles, the catalog and each entry's first version. */
async function seedCatalog(runtime: Runtime, step: (step: DemoStep) => void): Promise<void> {
  const { chaincode, datasets } = runtime;
  await bootstrapNetwork(runtime, step);
  for (const u of USERS.filter((x) => x.roles.length > 0)) {
    await chaincode.submit(
      { department: u.department, user: 'admin' },
      TX.governance.SetUserRoles,
      [u.user, u.roles],
    );
  }

  step('catalog');
  for (const { owner, entry } of DEMO_ENTRIES)
    await chaincode.submit(clerk(owner), TX.catalog.CreateEntry, [entry]);

  step('versions');
  for (const [catalogId, data] of Object.entries(DATASETS)) {
    const owner = DEMO_ENTRIES.find((e) => e.entry.id === catalogId)!.owner;
    await datasets.anchor(clerk(owner), {
      catalogId,
      source: Readable.from(data.content()),
      mediaType: null,
      reason: null,
      algorithm: 'sha256',
      maxBytes: runtime.config.uploadLimit,
    });
  }
}

/**
 * A share request from `requester`; `at` backdates it where the engine allows (the overdue demo
 * request), else it is made now.
 */
async function ask(
  runtime: Runtime,
  period: { from: string; to: string },
  requester: string,
  catalogId: string,
  fields: string[],
  purpose: Purpose,
  scenario: string,
  at?: number,
): Promise<RequestDecisionResult> {
  const { chaincode } = runtime;
  const args = [{ catalogId, fields, purpose, scenario, period, emergency: false }];
  // Backdating needs an engine that accepts it (the capability manifest) and its admin surface.
  const embedded = runtime.ledger.supports.backdatedTransactions ? runtime.embedded : undefined;
  if (at === undefined || !embedded)
    return (
      await chaincode.submit<RequestDecisionResult>(
        clerk(requester),
        TX.sharing.CreateRequest,
        args,
      )
    ).value;
  // The overdue demo request is created in the past; the embedded network signs the proposal
  // with that transaction time (Fabric refuses it: peer.authentication.timewindow).
  const identity = await embedded.identity(clerk(requester));
  const committed = await embedded.network.submit(
    identity,
    TX.sharing.CreateRequest,
    args.map((a) => canonicalJson(a)),
    {
      timestamp: at,
    },
  );
  return JSON.parse(Buffer.from(committed.payload).toString('utf8')) as RequestDecisionResult;
}

/** Requests answered, granted, used within the grant and refused outside it, and one overdue. */
async function seedSharing(
  runtime: Runtime,
  period: { from: string; to: string },
  now: number,
): Promise<void> {
  const { chaincode, datasets } = runtime;
  const approved = await ask(
    runtime,
    period,
    'health',
    'PSB-POP-001',
    ['id_number', 'name', 'birth_date'],
    'data_verification',
    '出生一件事：核验新生儿父母身份信息',
  );
  const decision = await chaincode.submit<RequestDecisionResult>(
    clerk('psb'),
    TX.sharing.ApproveRequest,
    [approved.request.id, { useLimit: null, reason: '符合出生登记核验的法定职责' }],
  );
  const grantId = decision.value.grant?.id ?? null;
  await datasets
    .open(clerk('health'), 'PSB-POP-001', 1, {
      grantId,
      fields: null,
      purpose: 'data_verification',
    })
    .then((o) => o.stream.resume());
  // A refused use: the address field is outside the grant; the refusal is recorded too.
  await datasets
    .open(clerk('health'), 'PSB-POP-001', 1, {
      grantId,
      fields: ['name', 'address'],
      purpose: 'data_verification',
    })
    .catch(() => undefined);

  await ask(
    runtime,
    period,
    'psb',
    'AMR-ENT-001',
    ['credit_code', 'name', 'legal_rep', 'status'],
    'business_coordination',
    '涉企案件办理核验企业登记状态',
  );
  await ask(
    runtime,
    period,
    'amr',
    'PSB-POP-001',
    ['name', 'address'],
    'administrative_basis',
    '个体工商户经营者住所核验',
  );
  await ask(
    runtime,
    period,
    'amr',
    'HLT-BIRTH-001',
    ['cert_no', 'child_name'],
    'work_reference',
    '母婴用品经营主体监管抽查参考',
    now - 30 * DAY,
  );
}

/** An objection corrected by a new version, and one left open. */
async function seedObjections(
  runtime: Runtime,
  period: { from: string; to: string },
): Promise<void> {
  const { chaincode, datasets } = runtime;
  await ask(
    runtime,
    period,
    'psb',
    'HLT-ORG-001',
    ['licence_no', 'name', 'valid_to'],
    'data_verification',
    '医疗机构执业资格核验',
  );
  const corrected = await chaincode.submit<QualityObjection>(
    clerk('psb'),
    TX.quality.RaiseObjection,
    [
      {
        catalogId: 'HLT-ORG-001',
        version: 1,
        description: '第3条记录有效期与纸质许可证不一致',
        recordRefs: ['2'],
        fields: ['valid_to'],
      },
    ],
  );
  await datasets.anchor(clerk('health'), {
    catalogId: 'HLT-ORG-001',
    source: Readable.from(DATASETS['HLT-ORG-001']!.content()),
    mediaType: null,
    reason: `更正数据异议 ${corrected.value.id}`,
    algorithm: 'sha256',
    maxBytes: runtime.config.uploadLimit,
  });
  await chaincode.submit(clerk('health'), TX.quality.ResolveObjection, [
    corrected.value.id,
    { resolution: 'corrected', correctedVersion: 2, reason: '已按纸质许可证更正有效期' },
  ]);
  await chaincode.submit(clerk('psb'), TX.quality.RaiseObjection, [
    {
      catalogId: 'AMR-ENT-001',
      version: 1,
      description: '部分企业登记状态与实地核查不符（已注销仍显示存续）',
      recordRefs: ['16', '33'],
      fields: ['status'],
    },
  ]);
}

/** A token for every demo user: the only time they exist in plain text. */
async function issueDemoTokens(runtime: Runtime): Promise<DemoIdentity[]> {
  const identities: DemoIdentity[] = [];
  for (const u of USERS) {
    const { token } = await runtime.tokens.create({
      department: u.department,
      user: u.user,
      roles: u.tokenRoles,
      label: u.label,
    });
    identities.push({
      department: u.department,
      user: u.user,
      roles: u.tokenRoles,
      token,
      label: u.label,
    });
  }
  return identities;
}
