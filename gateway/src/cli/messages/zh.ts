/**
 * Chinese, typed against en.ts so a missing or extra key fails the type check. Terms as the
 * console and the domain glossary use them: 目录, 数据版本, 存证/上链, 证明文件, 信任文件, 交付回执,
 * 使用记录, 授权, 用途, 信息项, 摘要, 令牌, 核验.
 */
import type { CliKey } from './en.js';

export const zh: Readonly<Record<CliKey, string>> = {
  'help.title': 'shulian — 数链命令行',
  'help.usage': '用法：shulian <命令> [选项]',
  'help.commands': '命令：',
  'help.options': '各命令通用的选项：',
  'help.opt.url': '网关地址（SHULIAN_URL，默认 http://127.0.0.1:8080）',
  'help.opt.token': '访问令牌（SHULIAN_TOKEN）',
  'help.opt.dataDir': '本地命令使用的数据目录（SHULIAN_DATA_DIR，默认 ./data）',
  'help.opt.json': '在标准输出给出机器可读的结果（与语言无关，各语言相同）',
  'help.opt.lang': '语言，zh 或 en（默认依次取 LC_ALL、LC_MESSAGES、LANG；zh_CN.UTF-8 为中文）',
  'help.opt.help': '帮助；`shulian <命令> --help` 查看某个命令的选项和示例',
  'help.opt.version': '本命令行的版本',
  'help.exit':
    '退出状态：0 成功；1 失败（网关拒绝、证明未通过核验、摘要未存证）；\n' +
    '2 用法错误（未知命令或选项、缺少值或值格式不对、文件不存在）。',
  'help.usageHeading': '用法：',
  'help.examples': '示例：',
  'help.also': '另有：--url、--token、--data-dir、--json、--lang（见 `shulian --help`）。',

  'help.init.summary': '首次运行（不含演示数据）：工作日历、部门登记、管理员令牌（须先停止服务）',
  'help.init.details':
    '发布随附的工作日历，在链上登记 departments.yaml（SHULIAN_NETWORK）中的部门，并为数据共享主管\n' +
    '部门和尚无管理员令牌的各部门签发管理员令牌（只显示一次）。再次运行只补做缺少的部分。之后以非演示\n' +
    '模式启动服务（npm run serve），由各部门管理员在控制台或通过 API 创建本部门用户。',
  'help.serve.summary':
    '运行网关（API 与控制台）；--department：在 Fabric 上作为单个部门自己的网关',
  'help.serve.details':
    '不带 --department 时由一个网关服务所有部门（内置网络，或在一台机器上使用 LEDGER=fabric）。带\n' +
    '--department <id>（或 SHULIAN_DEPARTMENT）且 LEDGER=fabric 时，网关只读取\n' +
    '<fabric 目录>/departments/<id>/（本部门用户的密钥、CA 和节点），只允许本部门用户登录，查询\n' +
    '索引、文件存储和令牌保存在 <数据目录>/gateway-<id>/ 中。在内置网络上会被拒绝\n' +
    '（DEPARTMENT_NEEDS_FABRIC），网络中没有的部门也会被拒绝（UNKNOWN_DEPARTMENT）。',
  'help.anchor.summary': '上传数据文件，作为目录条目的新数据版本存证上链',
  'help.anchor.details':
    '把文件以流式上传到网关（须为资源提供部门的数据发布人员），由网关计算摘要、保存并存证上链。\n' +
    '媒体类型按文件扩展名确定（.csv、.jsonl、.json、.txt、.pdf、.zip、.gz、.png、.jpg），也可用\n' +
    '--media-type 指定；其他扩展名不发送媒体类型，以目录登记的数据格式为准。文件与该格式不符时会被\n' +
    '拒绝（MEDIA_TYPE_MISMATCH）。网关一旦拒绝（不是本部门的目录条目、没有数据发布角色），上传立即停止。',
  'help.verify.summary': '用证明文件（离线）或网关核验文件、摘要或单条记录',
  'help.verify.details':
    '带 --proof 时完全离线：在本机计算文件摘要，并用信任文件（由 `shulian trust export` 导出）核验\n' +
    '证明文件，不向任何地方发送数据。带 --delivery 时同样离线：用一次使用的交付回执\n' +
    '（`shulian proof --usage <id>`）核验收到的文件（按授权信息项投影的下载或完整文件）：其大小和\n' +
    '摘要须与使用记录登记的交付内容一致，使用记录须与签名交易写入账本的一致；随后说明交付给谁、依据\n' +
    '哪项授权和用途、何时（北京时间）交付。两者都不带时，询问网关哪些目录数据版本登记了该摘要。\n' +
    '退出状态：核验通过为 0，未通过为 1，用法错误为 2（文件不存在、把交付回执当作 --proof 等）。',
  'help.proof.summary': '下载某个数据版本或单条记录的证明文件，或一次使用的交付回执',
  'help.proof.details':
    '写入 <目录>-v<版本>.proof.json（单条记录为 -r<序号>，按网关返回的字节原样保存：记录证明本身就是\n' +
    '一次使用，其交付回执记载的正是这些字节），--out 可另指定文件名。证明文件加上信任文件，就是\n' +
    '`shulian verify` 离线核验所需的全部材料。--usage 写入 <编号>.receipt.json，即一次获准使用的交付\n' +
    '回执（编号见下载响应的 x-shulian-usage-id 头和 `shulian trace`），供\n' +
    '`shulian verify <file> --delivery` 使用。',
  'help.trace.summary': '数据使用的审计轨迹（溯源）：谁在何时使用了哪项数据，允许还是拒绝',
  'help.trace.details':
    '日期写作 YYYY-MM-DD，按北京时间；时刻为带时区的 ISO 8601（2026-03-01T09:00+08:00）。\n' +
    '显示的时间均为北京时间。',
  'help.trust.summary': '导出离线核验证明文件所依据的信任文件',
  'help.trust.details':
    '给出 --url 或 SHULIAN_URL 时从网关导出，否则从本地数据目录导出。\n' +
    '信任文件包含各部门的签名证书和背书策略；发布一次即可。',
  'help.tokens.summary': '签发、列出和吊销 API 令牌（本地数据目录）',
  'help.tokens.details':
    '操作 <数据目录>/gateway/tokens.json，服务运行时也可使用：吊销的令牌立即失效。令牌只在创建时\n' +
    '显示一次。令牌只说明持有人是谁；其中所列角色须由账本授予后才生效：\n' +
    '`shulian users create`（由本部门管理员执行）一步完成两者。',
  'help.users.summary': '通过网关管理部门用户：一步完成链上角色设置和令牌签发',
  'help.users.details':
    '由本部门管理员（--token 或 SHULIAN_TOKEN）在运行中的网关（--url）上执行。create 在账本上写入\n' +
    '角色（publisher 数据发布、consumer 数据使用、supervisor 监督审计、verifier 身份核验），并签发\n' +
    '带这些角色的令牌（只显示一次），用户即可开始工作。list 列出每个用户的角色，以及其令牌声称而\n' +
    '账本未授予的角色；revoke 吊销该用户的全部令牌（链上角色保留）。',
  'help.node.summary': '根据排序服务的区块重建某个部门的节点，逐块重新校验',
  'help.node.details':
    '给出 --url 或 SHULIAN_URL 时通过网关执行（须数据共享主管部门管理员令牌），否则在本地数据目录上\n' +
    '执行（须先停止服务）。节点的账本将被丢弃并重建；密钥目录丢失的部门先从\n' +
    '<数据目录>/network/key-backups 恢复密钥。',
  'help.index.summary': '从区块 0 重建查询索引（须先停止服务）',

  'usage.line': '用法：{usage}',
  'usage.more': '运行 `shulian {command} --help` 查看示例。',
  'usage.commands': '运行 `shulian --help` 查看全部命令。',
  'usage.unknownCommand': '未知命令“{command}”',
  'usage.notTaken': '{command} 不接受 --{option}',
  'usage.optionsOnly': '{command} 只接受选项，不接受“{extra}”',
  'usage.noArguments': '{command} 不接受参数，不接受“{extra}”',
  'usage.whichOf3': '要执行哪个操作？create、list 或 revoke',
  'usage.unknownOf3': '未知操作“{action}”；可用的操作为 create、list 和 revoke',
  'usage.unknownAction': '未知操作“{action}”；可用的操作为 {expected}',
  'usage.lang': '--lang 只能是 zh 或 en，不能是“{value}”',
  'args.unknownOption': '未知选项 {option}',
  'args.noValue': '{option} 不带值',
  'args.needsValue': '{option} 需要一个值',
  'args.dashValue': '{option} 需要一个值；以短横线开头的值须写在“=”之后（{option}=-1）',
  'opt.required': '缺少 --{option}',
  'opt.wholeNumber': '--{option} 须为整数，不能是“{value}”',
  'opt.wholeNumberFrom': '--{option} 须为不小于 {min} 的整数，不能是“{value}”',
  'opt.algorithm': '--algorithm 只能是 sha256 或 sm3，不能是“{value}”',
  'opt.digest':
    '--digest 须为 64 位十六进制数字（SHA-256 或 SM3 摘要）；“{value}”有 {length} 个字符',
  'opt.time':
    '--{option} 须为日期（2026-03-01，北京时间）或带时区的时刻（2026-03-01T09:00+08:00），不能是“{value}”',
  'opt.department': '--{option} 须为部门代码，例如 amr 或 psb，不能是“{value}”',
  'opt.roleRequired': '缺少 --role（{roles}）',

  'program.says': '{program}：{message}',
  'error.line': '{program}：{message} [{code}]',
  'error.badOption': '--{option} 的值不符合要求（网关原文：{message}）',
  'error.unreachable': '无法连接 {url} 的网关（网关是否在运行？）',
  'error.uploadFailed': '上传到 {url} 失败：{message}',
  'error.reading': '读取 {file} 失败：{message}',

  'input.file': '文件',
  'input.proof': '证明文件',
  'input.delivery': '交付回执',
  'input.trust': '信任文件',
  'input.record': '记录',
  'file.problem': '{what} {path}：{reason}',
  'file.missing': '文件不存在',
  'file.denied': '没有读取权限',
  'file.directory': '是目录，不是文件',
  'file.unreadable': '无法读取',
  'file.notJson': '{what} {path} 不是 JSON 文件',

  'progress.anchor': '存证 {file}',
  'progress.hash': '计算摘要',
  'progress.rebuild': '重建（区块）',

  'anchor.whichFile': '要存证哪个文件？请给出文件名',
  'anchor.oneFile': 'anchor 只接受一个文件',
  'anchor.done':
    '已存证上链：{file}（{size}），为 {catalog} 的第 {version} 版\n' +
    '  {algorithm} {digest}\n' +
    '  交易 {txId}，区块 {block}',

  'verify.oneFile': 'verify 只接受一个文件',
  'verify.what': '要核验什么？请给出文件名，或 --digest <hex> 或 --record <record.json>',
  'verify.onlyOne': '文件、--digest <hex>、--record <record.json> 只能给出其中一项',
  'verify.proofOrDelivery':
    '请给出 --proof <bundle.json>（已存证的文件或记录）或 --delivery <receipt.json>（交付的文件），不能同时给出',
  'verify.trustNeedsProof': '--trust 须与 --proof <bundle.json> 一起使用（离线核验）',
  'verify.recordNeedsProof':
    '--record 须离线核验：请加上 --proof <bundle.json> --trust <trust.json>',
  'verify.deliveryNotRecord': '--delivery 核验的是交付的文件：请给出文件名，或 --digest <hex>',
  'verify.deliveryIsTrust':
    '--delivery 给出的是信任文件；请给出交付回执（由 `shulian proof --usage <id>` 获取）',
  'verify.deliveryIsProof':
    '--delivery 给出的是已存证文件或记录的证明文件，不是交付回执；请用 --proof 给出它',
  'verify.deliveryNotReceipt':
    '--delivery 给出的不是交付回执（由 `shulian proof --usage <id>` 获取）',
  'verify.swapped': '--proof 和 --trust 给反了：--proof 是信任文件，--trust 是证明文件',
  'verify.proofIsTrust': '--proof 给出的是信任文件；请给出证明文件（由 `shulian proof` 获取）',
  'verify.proofNotBundle': '--proof 给出的不是证明文件（由 `shulian proof` 获取）',
  'verify.trustIsProof':
    '--trust 给出的是证明文件；请给出信任文件（由 `shulian trust export` 导出）',
  'verify.trustNotTrust': '--trust 给出的不是信任文件（由 `shulian trust export` 导出）',
  'verify.subjectRecord': '记录',
  'verify.subjectBundle': '仅证明文件',
  'verify.notVerified': '核验未通过：{subject}',
  'verify.failure': '  {check}：{text}',
  'verify.verified': '核验通过（离线）：{subject}',
  'verify.recordedIn': '  记录于交易 {txId}，区块 {block}',
  'verify.anchoredBy': '  由 {department} 存证上链：交易 {txId}，区块 {block}，{time}',
  'verify.withheld': '  未披露的信息项（仅以加盐承诺出现）：{fields}',
  'verify.anchored': '已存证：{algorithm} {digest}',
  'verify.match': '  {catalog} 第 {version} 版（{owner}）交易 {txId} 区块 {block}',
  'verify.notAnchored': '未存证：{algorithm} {digest}',
  'delivery.to': '  于 {time} 由 {provider} 交付给 {user}@{department}：{what}，{action}',
  'delivery.version': '{catalog} 第 {version} 版',
  'delivery.grant': '  依据授权 {grant}，用途 {purpose}',
  'delivery.noGrant': '无（数据提供部门自用）',
  'delivery.noPurpose': '无',
  'delivery.fields': '  信息项 {fields}；{bytes} 字节，{algorithm} {digest}；使用记录 {id}',

  'proof.usageId': '--usage 须为使用记录编号，例如 USE-…，不能是“{value}”',
  'proof.usageAlone': '--usage <id> 获取交付回执：请不要同时给出 --catalog、--version 和 --record',
  'proof.receiptWritten': '交付回执已写入 {path}',
  'proof.written': '证明文件已写入 {path}',

  'trace.outcome': '--outcome 只能是 ALLOWED 或 DENIED，不能是“{value}”',
  'trace.fromAfterTo': '--from {from} 晚于 --to {to}',
  'trace.none': '没有符合条件的使用记录',

  'trust.which': '要执行哪个操作？`shulian trust export` 导出信任文件',
  'trust.written': '信任文件已写入 {path}',

  'tokens.none': '没有令牌',
  'tokens.unknownRole': '未知角色“{role}”；可用的角色为 {roles}',
  'tokens.userName': '--user 须为不含 / 和空格的用户名',
  'tokens.noDepartment': '本网络中没有部门“{department}”；网络中的部门为 {departments}',
  'tokens.otherGateway':
    '此数据目录是 {department} 的网关（SHULIAN_DEPARTMENT）：只能为 {department} 的用户签发令牌',
  'tokens.created':
    '已为 {department}/{user}（{roles}）签发令牌；只显示这一次，请妥善保管：\n{token}',
  'tokens.rolesNote':
    '注意：令牌只说明 {user} 是谁；角色 {roles} 须由账本授予后才生效。\n' +
    '  `shulian users create`（由本部门管理员通过网关执行）一步完成两者。',
  'tokens.whichToken': '要吊销哪个令牌？请给出令牌编号或 --user <name>',
  'tokens.idOrUser': '令牌编号和 --user 只能给出其中一项',
  'tokens.revoked': '已吊销 {tokenId}  {department}/{user}',
  'tokens.noMatch': '没有符合条件的令牌',

  'users.line': '{user} {roles}  {count} 个令牌',
  'users.noRole': '（账本上没有角色）',
  'users.lacks': '  账本未授予：{roles}',
  'users.none': '{department} 没有用户',
  'users.revoked': '已吊销 {department}/{user} 的 {count} 个令牌：{ids}',
  'users.noToken': '{department}/{user} 没有令牌',
  'users.unknownRole': '未知角色“{role}”；用户的角色可为 {roles}（管理员属于部门本身）',
  'users.created':
    '已创建用户 {department}/{user}：角色 {roles} 已写入账本（交易 {txId}，区块 {block}）\n' +
    '令牌（只显示这一次，请妥善保管）：\n{token}',

  'index.which': '要执行哪个操作？`shulian index rebuild`',
  'index.done': '查询索引已从区块 0 重建到区块 {block}',

  'node.which': '要修复哪个部门的节点？`shulian node repair <department>`',
  'node.ownOperators':
    '{engine} 网络的节点由各自的运维人员重建（在 Fabric 上：peer node rebuild-dbs）',
  'node.notBack': '节点 {department} 未能恢复：{reason}',
  'node.notInNetwork': '不在网络中',
  'node.rebuilt': '节点 {department} 已重建并校验通过：高度 {height}',

  'init.calendars': '正在发布工作日历',
  'init.departments': '正在登记部门',
  'init.network': '网络 {name}：{calendars}；{departments}',
  'init.calendarsPublished': '已发布 {years} 年工作日历',
  'init.calendarsAlready': '工作日历此前已发布',
  'init.departmentsRegistered': '已登记部门 {ids}',
  'init.departmentsAlready': '部门此前已登记',
  'init.adminTokens': '管理员令牌（只显示这一次，请妥善保管）：',
  'init.allHaveAdmins': '每个部门都已有管理员令牌（`shulian tokens list`）',
  'init.next': '下一步：npm run serve，以管理员身份登录，创建用户（一步完成角色和令牌）',

  'server.reconciled':
    '存储：{recorded} 个已提交的版本补记入锚定簿，删除了 {removed} 个锚定失败留下的文件',
  'server.title': 'Shulian 数链 — 基于 {engine}：{nodes} 个部门节点，区块高度 {height}',
  'server.titleDemo':
    'Shulian 数链 — {network}（演示数据）基于 {engine}：{nodes} 个部门节点，区块高度 {height}',
  'server.gateway': '  网关      {department} 部门自有网关（只登录 {department} 的用户）',
  'server.exchange':
    '  交换接口  {url}   （发布方法：PUT /api/v1/gateways/{department}，带上此地址和 {file}）',
  'server.console': '  控制台    {url}/',
  'server.api': '  API       {url}/api/v1   （OpenAPI 界面：{url}/docs）',
  'server.data': '  数据目录  {dir}',
  'server.demoTokens': '  演示令牌（Authorization: Bearer <令牌>）：',
  'server.firstRun': '  首次运行：{missing}。请先停止服务器（Ctrl-C），然后运行一次',
  'server.firstRunThen':
    '  它会发布随附的工作日历、登记网络文件中的部门，并只显示一次协调部门的管理员令牌；之后重新启动服务器并用该令牌登录。',
  'server.noCoordinatorAdmin': '协调部门尚无管理员令牌',
  'server.noDepartmentAdmin': '{department} 的管理员尚无令牌',
  'server.noCalendar': '{year} 年的工作日历尚未发布到账本',
  'server.stopping': '{signal}：正在停止',
  'demo.seeding': '首次启动：正在写入演示数据（需要几秒钟）…',
  'demo.calendars': '正在发布工作日历',
  'demo.departments': '正在登记部门',
  'demo.catalog': '正在发布目录',
  'demo.versions': '正在锚定数据集版本',
  'demo.sharing': '共享申请、授权和使用记录',
  'demo.objections': '质量异议',
  'demo.tokens': '正在签发演示令牌',
  'server.cannotStart': 'shulian：无法启动：{reason}',
};
