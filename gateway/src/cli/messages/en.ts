/**
 * English, the command line's default language and the source of its message keys: zh.ts must
 * have exactly these keys (the type checker holds it to that; tests/gateway/cli-i18n.test.ts checks
 * the placeholders and that no Chinese text is left in English). `{name}` is filled in by `t`.
 * Error codes, proof checks and a use's labels are shared with the console (../../i18n/).
 */
export const en = {
  'help.title': 'shulian — 数链 command line',
  'help.usage': 'Usage: shulian <command> [options]',
  'help.commands': 'Commands:',
  'help.options': 'Options for every command:',
  'help.opt.url': 'gateway URL (SHULIAN_URL, default http://127.0.0.1:8080)',
  'help.opt.token': 'bearer token (SHULIAN_TOKEN)',
  'help.opt.dataDir': 'data directory for local commands (SHULIAN_DATA_DIR, default ./data)',
  'help.opt.json': 'machine-readable output on stdout (the same in every language)',
  'help.opt.lang': 'language, zh or en (default: LC_ALL, LC_MESSAGES or LANG; zh_CN.UTF-8 is zh)',
  'help.opt.help': "help; `shulian <command> --help` for a command's options and examples",
  'help.opt.version': 'the version of this command line',
  'help.exit':
    'Exit status: 0 success; 1 failure (the gateway refused, a proof does not verify, a digest is not\n' +
    'anchored); 2 usage error (unknown command or option, a missing or malformed value, no such file).',
  'help.usageHeading': 'Usage:',
  'help.examples': 'Examples:',
  'help.also': 'Also: --url, --token, --data-dir, --json, --lang (see `shulian --help`).',

  'help.init.summary':
    'first run without demo data: calendars, departments, admin tokens (server stopped)',
  'help.init.details':
    'Publishes the bundled working-day calendars, registers the departments of departments.yaml\n' +
    '(SHULIAN_NETWORK), and issues an admin token for the coordinator and each department that has\n' +
    'none yet (shown once). Running it again does only what is missing. Then start the server without\n' +
    'demo mode (npm run serve); each department admin creates its users in the console or the API.',
  'help.serve.summary':
    'run the gateway (API and console); --department: one department’s own gateway on Fabric',
  'help.serve.details':
    'Without --department one gateway serves every department (the embedded engine, or LEDGER=fabric\n' +
    'from one machine). With --department <id> (or SHULIAN_DEPARTMENT) and LEDGER=fabric the gateway\n' +
    'reads only <fabric dir>/departments/<id>/ (its users’ keys, its CA, its peer), signs in only its\n' +
    'users, and keeps its index, store and tokens in <data-dir>/gateway-<id>/. Refused on the embedded\n' +
    'engine (DEPARTMENT_NEEDS_FABRIC) and for a department not in the network (UNKNOWN_DEPARTMENT).',
  'help.anchor.summary': 'upload a dataset file and anchor it as a new version of a catalog entry',
  'help.anchor.details':
    'Streams the file to the gateway (publisher of the owning department), which hashes, stores and\n' +
    'anchors it. The media type follows the file name (.csv, .jsonl, .json, .txt, .pdf, .zip, .gz, .png,\n' +
    ".jpg) unless given; for any other name none is sent and the entry's declared format is meant. A file\n" +
    'not of that format is refused (MEDIA_TYPE_MISMATCH). If the gateway refuses (not your catalog entry,\n' +
    'no publisher role), the upload stops at once.',
  'help.verify.summary':
    'check a file, digest or record against a proof bundle (offline) or the gateway',
  'help.verify.details':
    'With --proof it is strictly offline: the file is hashed here and the bundle is checked against the\n' +
    'trust file (from `shulian trust export`); nothing is sent anywhere. With --delivery, also offline, a\n' +
    'file you received (a download, projected to your granted fields or whole) is checked against the\n' +
    'delivery receipt of its use (`shulian proof --usage <id>`): its size and digest are the ones the\n' +
    'usage record says were delivered, and the record is the one its signed transaction wrote; it then\n' +
    'says to whom, under which grant and purpose, and when (China Standard Time) it was delivered.\n' +
    'Without either it asks the gateway which catalog versions anchor the digest. Exit status 0 when it\n' +
    'verifies, 1 when it does not, 2 for a usage error (a missing file, a receipt given as --proof ...).',
  'help.proof.summary':
    'download the proof bundle of a dataset version or of one record, or a use’s delivery receipt',
  'help.proof.details':
    'Writes <catalog>-v<n>.proof.json (or -r<index> for a record, kept byte for byte as served: a\n' +
    'record proof is a use, and its receipt names exactly those bytes) unless --out names the file. The\n' +
    'bundle and a trust file are all `shulian verify` needs, offline. --usage writes <id>.receipt.json,\n' +
    'the delivery receipt of an allowed use (the id is in a download’s x-shulian-usage-id header and in\n' +
    '`shulian trace`), for `shulian verify <file> --delivery`.',
  'help.trace.summary':
    'the audit trail of data use: who used which dataset, when, allowed or denied',
  'help.trace.details':
    'Days are YYYY-MM-DD in China Standard Time; an instant is ISO 8601 with a zone\n' +
    '(2026-03-01T09:00+08:00). Times are shown in China Standard Time.',
  'help.trust.summary': 'export the trust file that offline verification checks proofs against',
  'help.trust.details':
    'From the gateway when --url or SHULIAN_URL is given, else from the local data directory.\n' +
    'It holds the departments’ signing certificates and the endorsement policy; publish it once.',
  'help.tokens.summary': 'issue, list and revoke API tokens (local data directory)',
  'help.tokens.details':
    'Works on <data-dir>/gateway/tokens.json, also while the server runs: a revoked token is refused\n' +
    'at once. A token is shown once, when it is created. A token says who someone is; the roles it\n' +
    "names work once the ledger grants them: `shulian users create` (the department's admin) does both.",
  'help.users.summary':
    "a department's users through the gateway: roles on the ledger and a token, in one step",
  'help.users.details':
    "The department's admin (--token, or SHULIAN_TOKEN) on a running gateway (--url). create writes the\n" +
    'roles (publisher, consumer, supervisor, verifier) on the ledger and issues a token with them, shown\n' +
    "once: the user can work at once. list shows each user's roles and what their tokens claim that the\n" +
    'ledger does not grant; revoke withdraws every token of the user (roles stay on the ledger).',
  'help.node.summary': "rebuild a department's node from the orderer's blocks, re-validating each",
  'help.node.details':
    'Through the gateway when --url or SHULIAN_URL is given (coordinator admin token), else on the\n' +
    'local data directory with the server stopped. The node’s ledger is discarded and rebuilt; a\n' +
    'department whose key folder was lost gets its keys back from <data-dir>/network/key-backups first.',
  'help.index.summary': 'rebuild the query index from block 0 (server stopped)',

  'usage.line': 'Usage: {usage}',
  'usage.more': 'Run `shulian {command} --help` for examples.',
  'usage.commands': 'Run `shulian --help` for the commands.',
  'usage.unknownCommand': 'unknown command "{command}"',
  'usage.notTaken': '{command} does not take --{option}',
  'usage.optionsOnly': '{command} takes options only, not "{extra}"',
  'usage.noArguments': '{command} takes no arguments, not "{extra}"',
  'usage.whichOf3': 'which action? create, list or revoke',
  'usage.unknownOf3': 'unknown action "{action}"; the actions are create, list and revoke',
  'usage.unknownAction': 'unknown action "{action}"; the action is {expected}',
  'usage.lang': '--lang must be zh or en, not "{value}"',
  'args.unknownOption': 'unknown option {option}',
  'args.noValue': '{option} takes no value',
  'args.needsValue': '{option} needs a value',
  'args.dashValue':
    '{option} needs a value; one that starts with a dash goes after "=" ({option}=-1)',
  'opt.required': '--{option} is required',
  'opt.wholeNumber': '--{option} must be a whole number, not "{value}"',
  'opt.wholeNumberFrom': '--{option} must be a whole number from {min}, not "{value}"',
  'opt.algorithm': '--algorithm must be sha256 or sm3, not "{value}"',
  'opt.digest':
    '--digest must be 64 hexadecimal digits (a SHA-256 or SM3 digest); "{value}" has {length} character(s)',
  'opt.time':
    '--{option} must be a day (2026-03-01, China Standard Time) or an instant with its zone (2026-03-01T09:00+08:00), not "{value}"',
  'opt.department': '--{option} must be a department id such as amr or psb, not "{value}"',
  'opt.roleRequired': '--role is required ({roles})',

  'program.says': '{program}: {message}',
  'error.line': '{program}: {message} [{code}]',
  'error.badOption': '--{option} {message}',
  'error.unreachable': 'cannot reach the gateway at {url} (is it running?)',
  'error.uploadFailed': 'upload to {url} failed: {message}',
  'error.reading': 'reading {file}: {message}',

  'input.file': 'file',
  'input.proof': 'proof bundle',
  'input.delivery': 'delivery receipt',
  'input.trust': 'trust file',
  'input.record': 'record',
  'file.problem': '{what} {path}: {reason}',
  'file.missing': 'no such file',
  'file.denied': 'permission denied',
  'file.directory': 'is a directory, not a file',
  'file.unreadable': 'cannot be read',
  'file.notJson': '{what} {path} is not a JSON file',

  'progress.anchor': 'anchor {file}',
  'progress.hash': 'hash',
  'progress.rebuild': 'rebuild (blocks)',

  'anchor.whichFile': 'which file? name the file to anchor',
  'anchor.oneFile': 'anchor takes one file',
  'anchor.done':
    'anchored {file} ({size}) as {catalog} version {version}\n' +
    '  {algorithm} {digest}\n' +
    '  tx {txId} in block {block}',

  'verify.oneFile': 'verify takes one file',
  'verify.what': 'what to verify? name a file, or give --digest <hex> or --record <record.json>',
  'verify.onlyOne': 'give only one of: a file, --digest <hex>, --record <record.json>',
  'verify.proofOrDelivery':
    'give --proof <bundle.json> (an anchored file or record) or --delivery <receipt.json> (a delivered file), not both',
  'verify.trustNeedsProof': '--trust goes with --proof <bundle.json> (offline verification)',
  'verify.recordNeedsProof':
    '--record is checked offline: add --proof <bundle.json> --trust <trust.json>',
  'verify.deliveryNotRecord':
    '--delivery checks a delivered file: name the file, or give --digest <hex>',
  'verify.deliveryIsTrust':
    '--delivery names a trust file; give the delivery receipt (from `shulian proof --usage <id>`)',
  'verify.deliveryIsProof':
    '--delivery names a proof bundle of an anchored file or record, not a delivery receipt; give it with --proof',
  'verify.deliveryNotReceipt':
    '--delivery is not a delivery receipt (from `shulian proof --usage <id>`)',
  'verify.swapped':
    '--proof and --trust are swapped: --proof names a trust file and --trust a proof bundle',
  'verify.proofIsTrust': '--proof names a trust file; give the proof bundle (from `shulian proof`)',
  'verify.proofNotBundle': '--proof is not a proof bundle (from `shulian proof`)',
  'verify.trustIsProof':
    '--trust names a proof bundle; give the trust file (from `shulian trust export`)',
  'verify.trustNotTrust': '--trust is not a trust file (from `shulian trust export`)',
  'verify.subjectRecord': 'record',
  'verify.subjectBundle': 'bundle only',
  'verify.notVerified': 'NOT VERIFIED: {subject}',
  'verify.failure': '  {check}: {text}',
  'verify.verified': 'VERIFIED (offline): {subject}',
  'verify.recordedIn': '  recorded in tx {txId}, block {block}',
  'verify.anchoredBy': '  anchored by {department} in tx {txId}, block {block}, {time}',
  'verify.withheld': '  fields withheld (commitments only): {fields}',
  'verify.anchored': 'ANCHORED: {algorithm} {digest}',
  'verify.match': '  {catalog} version {version} ({owner}) tx {txId} block {block}',
  'verify.notAnchored': 'NOT ANCHORED: {algorithm} {digest}',
  'delivery.to': '  delivered to {user}@{department} by {provider} at {time}: {action} of {what}',
  'delivery.version': '{catalog} version {version}',
  'delivery.grant': '  under grant {grant}, purpose {purpose}',
  'delivery.noGrant': '(none: the owner’s own use)',
  'delivery.noPurpose': '(none)',
  'delivery.fields': '  fields {fields}; {bytes} bytes, {algorithm} {digest}; use {id}',

  'proof.usageId': '--usage must be a usage record id such as USE-…, not "{value}"',
  'proof.usageAlone':
    '--usage <id> fetches a delivery receipt: leave out --catalog, --version and --record',
  'proof.receiptWritten': 'delivery receipt written to {path}',
  'proof.written': 'proof bundle written to {path}',

  'trace.outcome': '--outcome must be ALLOWED or DENIED, not "{value}"',
  'trace.fromAfterTo': '--from {from} is after --to {to}',
  'trace.none': 'no recorded uses match',

  'trust.which': 'which action? `shulian trust export` writes the trust file',
  'trust.written': 'trust file written to {path}',

  'tokens.none': 'no tokens',
  'tokens.unknownRole': 'unknown role "{role}"; the roles are {roles}',
  'tokens.userName': '--user must be a name without / or spaces',
  'tokens.noDepartment':
    'no department "{department}" in this network; the departments are {departments}',
  'tokens.otherGateway':
    "this data directory is {department}'s gateway (SHULIAN_DEPARTMENT): it issues tokens to {department}'s users only",
  'tokens.created': 'token for {department}/{user} ({roles}); shown once, keep it safe:\n{token}',
  'tokens.rolesNote':
    'note: the token says who {user} is; the roles {roles} work once the ledger grants them.\n' +
    "  `shulian users create` (the department's admin, through the gateway) sets both in one step.",
  'tokens.whichToken': 'which token? give a token id or --user <name>',
  'tokens.idOrUser': 'give a token id or --user, not both',
  'tokens.revoked': 'revoked {tokenId}  {department}/{user}',
  'tokens.noMatch': 'no token matches',

  'users.line': '{user} {roles}  {count} token(s)',
  'users.noRole': '(no role on the ledger)',
  'users.lacks': '  lacks on the ledger: {roles}',
  'users.none': 'no users in {department}',
  'users.revoked': 'revoked {count} token(s) of {department}/{user}: {ids}',
  'users.noToken': '{department}/{user} holds no token',
  'users.unknownRole':
    'unknown role "{role}"; a user\'s roles are {roles} (the admin is the department\'s own)',
  'users.created':
    'user {department}/{user} created: roles {roles} set on the ledger (tx {txId}, block {block})\n' +
    'token (shown once, keep it safe):\n{token}',

  'index.which': 'which action? `shulian index rebuild`',
  'index.done': 'index rebuilt from block 0 to {block}',

  'node.which': 'which department? `shulian node repair <department>`',
  'node.ownOperators':
    "the {engine} engine's nodes are rebuilt by their own operators (on Fabric: peer node rebuild-dbs)",
  'node.notBack': 'node {department} did not come back: {reason}',
  'node.notInNetwork': 'not in the network',
  'node.rebuilt': 'node {department} rebuilt and verified: height {height}',

  'init.calendars': 'publishing the working-day calendars',
  'init.departments': 'registering departments',
  'init.network': 'network {name}: {calendars}; {departments}',
  'init.calendarsPublished': 'calendars {years} published',
  'init.calendarsAlready': 'calendars already published',
  'init.departmentsRegistered': 'departments {ids} registered',
  'init.departmentsAlready': 'departments already registered',
  'init.adminTokens': 'admin tokens (shown once, keep them safe):',
  'init.allHaveAdmins': 'every department already has an admin token (`shulian tokens list`)',
  'init.next':
    'next: npm run serve, sign in as an admin, create users (roles and token in one step)',

  // The server's start-up banner and its other lines on stdout (gateway/src/server.ts).
  'server.reconciled':
    'store: {recorded} committed versions entered in the anchor book, {removed} blobs of failed anchors removed',
  'server.title': 'Shulian 数链 — on {engine}: {nodes} department nodes, height {height}',
  'server.titleDemo':
    'Shulian 数链 — {network} (demo data) on {engine}: {nodes} department nodes, height {height}',
  'server.gateway': "  gateway   {department}'s own (signs in {department}'s users only)",
  'server.exchange':
    '  exchange  {url}   (publish: PUT /api/v1/gateways/{department} with this url and {file})',
  'server.console': '  console   {url}/',
  'server.api': '  API       {url}/api/v1   (OpenAPI UI: {url}/docs)',
  'server.data': '  data      {dir}',
  'server.demoTokens': '  demo tokens (Authorization: Bearer <token>):',
  'server.firstRun': '  first run: {missing}. Stop the server (Ctrl-C), then run once',
  'server.firstRunThen':
    "  it publishes the bundled calendars, registers the departments of the network file and prints the coordinator's admin token once; start the server again and sign in with it.",
  'server.noCoordinatorAdmin': "no admin token for the coordinator's department yet",
  'server.noDepartmentAdmin': "no admin token for {department}'s admin yet",
  'server.noCalendar': 'no working-day calendar for {year} on the ledger',
  'server.stopping': '{signal}: stopping',
  'demo.seeding': 'first start: seeding demo data (a few seconds)…',
  'demo.calendars': 'publishing the working-day calendars',
  'demo.departments': 'registering departments',
  'demo.catalog': 'publishing the catalog',
  'demo.versions': 'anchoring dataset versions',
  'demo.sharing': 'share requests, grants and uses',
  'demo.objections': 'quality objections',
  'demo.tokens': 'issuing demo tokens',
  'server.cannotStart': 'shulian: cannot start: {reason}',
} as const;

export type CliKey = keyof typeof en;
