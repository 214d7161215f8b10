/**
 * The ledger itself: network status (nodes, heights, agreement), blocks, transactions and a full
 * verification of every node's hash chain and commit hashes.
 */
import { Type, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { parseJson } from '@shulian/chaincode/canonical';
import { gatewayDir } from '../config.js';
import type { BlockEvent, CommittedTransaction } from '../ledger/types.js';
import {
  verifyGateway,
  type GatewayVerifyReport,
  type VerifyPhase,
} from '../services/verification.js';
import { fromLedgerError, GatewayError } from '../errors.js';
import { hasRole, principalOf, requireOperator } from '../auth/guard.js';
import { follow } from '../openapi.js';
import type { GatewayContext } from '../services/runtime.js';
import type { RouteApp, RouteOptions } from './context.js';
import { responses } from './helpers.js';
import { Nullable } from './schemas.js';
import {
  Block,
  BlockPage,
  NetworkStatus,
  NodeStatus,
  TransactionDetail,
  VerifyReport,
} from './shapes.js';

const VerifyProgress = Type.Object({
  running: Type.Boolean(),
  phase: Nullable(
    Type.String({
      description:
        'ledger:log (orderer log re-validated), ledger:nodes (nodes compared with it), index (query index against a replay), store (blobs against their digests)',
    }),
  ),
  done: Nullable(Type.Integer({ description: 'blocks done in a ledger phase' })),
  total: Nullable(Type.Integer()),
  startedAt: Nullable(Type.String()),
});

interface VerifyJob {
  run: Promise<GatewayVerifyReport>;
  phase: VerifyPhase;
  startedAt: Date;
}

/** Event payloads are canonical JSON from the chaincode; anything else is shown as base64. */
function decodeEvent(event: CommittedTransaction['event']) {
  if (event === null) return null;
  try {
    return { name: event.name, payload: parseJson(event.payload) };
  } catch {
    return { name: event.name, payload: Buffer.from(event.payload).toString('base64') };
  }
}

const txView = (tx: CommittedTransaction, blockNumber: number) => ({
  txId: tx.txId,
  index: tx.index,
  blockNumber,
  validationCode: tx.validationCode,
  timestamp: new Date(tx.timestamp).toISOString(),
  creator: tx.creator,
  fcn: tx.fcn,
  event: decodeEvent(tx.event),
});

/** A block's time: its latest transaction's (Fabric's block header has none); null when empty. */
const blockTime = (b: BlockEvent): string | null =>
  b.transactions.length
    ? new Date(Math.max(...b.transactions.map((t) => t.timestamp))).toISOString()
    : null;

const blockView = (b: BlockEvent) => ({
  blockNumber: b.blockNumber,
  blockHash: b.blockHash,
  time: blockTime(b),
  transactions: b.transactions.map((t) => txView(t, b.blockNumber)),
});

const MAX_BLOCKS_PER_PAGE = 100;

const tags = ['ledger'];

/** A ledger call whose failure is answered with the ledger's own code. */
async function ledgerCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw fromLedgerError(err);
  }
}

export const ledgerRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  chainRoutes(app, ctx);
  verifyRoutes(app, ctx);
  repairRoute(app, ctx);
  done();
};

/** The chain as the explorer reads it: status, blocks, transactions, and the trust file. */
function chainRoutes(app: RouteApp, ctx: GatewayContext): void {
  app.get(
    '/status',
    {
      schema: {
        tags,
        summary: 'network status: nodes, heights, agreement',
        description:
          "Each department node's height, tip hash and state (running, halted, stalled) and whether the nodes agree. Any member department; records nothing.",
        response: responses(NetworkStatus, []),
      },
    },
    async () => {
      const status = await ledgerCall(() => ctx.ledger.status());
      return { ...status, indexedBlock: (await ctx.index.checkpoint())?.blockNumber ?? -1 };
    },
  );

  app.get(
    '/blocks',
    {
      config: {
        links: follow(
          { number: '$response.body#/items/0/blockNumber' },
          'GET /api/v1/ledger/blocks/{number}',
        ),
      },
      schema: {
        tags,
        summary: 'block summaries, newest first',
        description:
          "Block summaries from the orderer's chain, newest first, paged by block number (before). Any member department; records nothing.",
        querystring: Type.Object(
          {
            before: Type.Optional(
              Type.Integer({
                minimum: 0,
                description: 'blocks below this number; default the height',
              }),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BLOCKS_PER_PAGE })),
          },
          { additionalProperties: false },
        ),
        response: responses(BlockPage, ['BLOCK_NOT_FOUND']),
      },
    },
    async (request) => {
      const { height } = await ledgerCall(() => ctx.ledger.status());
      const top = Math.min(request.query.before ?? height, height);
      const limit = request.query.limit ?? 20;
      const numbers = Array.from(
        { length: Math.max(0, Math.min(limit, top)) },
        (_, i) => top - 1 - i,
      );
      const blocks = await Promise.all(
        numbers.map((n) => ledgerCall(() => ctx.ledger.getBlockEvent(n))),
      );
      return {
        height,
        items: blocks.map((b) => ({
          blockNumber: b.blockNumber,
          blockHash: b.blockHash,
          time: blockTime(b),
          txCount: b.transactions.length,
          validTxCount: b.transactions.filter((t) => t.validationCode === 'VALID').length,
        })),
      };
    },
  );

  app.get(
    '/blocks/:number',
    {
      schema: {
        tags,
        summary: 'one block with its transactions and decoded events',
        description:
          'One block: its header hashes, each transaction with its validation code and decoded chaincode events. Any member department; records nothing.',
        params: Type.Object(
          { number: Type.Integer({ minimum: 0 }) },
          { additionalProperties: false },
        ),
        response: responses(Block, ['BLOCK_NOT_FOUND', 'NOT_FOUND']),
      },
    },
    async (request) => {
      const { number } = request.params;
      const { height } = await ledgerCall(() => ctx.ledger.status());
      if (number >= height)
        throw new GatewayError('BLOCK_NOT_FOUND', `block ${number} not found (height ${height})`);
      return blockView(await ledgerCall(() => ctx.ledger.getBlockEvent(number)));
    },
  );

  app.get(
    '/transactions/:txId',
    {
      schema: {
        tags,
        summary: 'one transaction, valid or not, with the act it recorded',
        description:
          'One transaction by id, with its block, validation code, creator and events, and the act of the audit trail it recorded (what it touched: a request, an entry…; null for an invalid transaction or one the index has not reached). Invalid transactions are answered too. Any member department; records nothing.',
        params: Type.Object(
          { txId: Type.String({ pattern: '^[0-9a-f]{64}$' }) },
          { additionalProperties: false },
        ),
        response: responses(TransactionDetail, ['TRANSACTION_NOT_FOUND', 'NOT_FOUND']),
      },
    },
    async (request) => {
      const { txId } = request.params;
      const tx = await ledgerCall(() => ctx.ledger.getTransaction(txId));
      return { ...txView(tx, tx.blockNumber), act: (await ctx.index.get('act', txId)) ?? null };
    },
  );

  app.get(
    '/trust',
    {
      config: { public: true },
      schema: {
        tags,
        summary:
          'the trust file: department CA certificates and orderer keys, for offline proof verification',
        description:
          "The trust file for offline verification: every department's CA certificate and the orderer's certificate. Public (shulian trust export saves it); records nothing.",
        response: responses(Type.Object({}, { additionalProperties: true }), []),
      },
    },
    () => Promise.resolve(ctx.trust),
  );
}

/** A full verification of the ledger, the index and the store, and how far it has come. */
function verifyRoutes(app: RouteApp, ctx: GatewayContext): void {
  // One verification at a time per gateway: a second request shares the one under way, and
  // GET /verify/progress says how far it is.
  let verifying: VerifyJob | undefined;

  app.post(
    '/verify',
    {
      schema: {
        tags,
        summary:
          "recompute every node's hash chain and commit hashes and compare the nodes, then check the query index against a replay of the ledger and every stored blob against its anchored digest (coordinator admin or supervisor)",
        description:
          "A coordinator admin or supervisor recomputes every node's hash chain, compares the nodes, checks the query index against a replay and the store's blobs against their anchors. One verification at a time; records nothing on the ledger.",
        response: responses(VerifyReport, ['FORBIDDEN', 'CONFLICT']),
      },
    },
    async (request) => {
      requireOperator(principalOf(request), ctx.coordinator, 'verifying the ledger');
      if (!verifying) {
        // The phase is told from inside the run, which starts before it is assigned.
        const state: Omit<VerifyJob, 'run'> = { phase: 'ledger', startedAt: new Date() };
        const run = verifyGateway({
          ledger: ctx.ledger,
          index: ctx.index,
          datasets: ctx.datasets,
          workDir: gatewayDir(ctx.config),
          onPhase: (phase) => {
            state.phase = phase;
          },
        }).finally(() => {
          verifying = undefined;
        });
        verifying = Object.assign(state, { run });
      }
      const run = verifying.run;
      return ledgerCall(() => run);
    },
  );

  app.get(
    '/verify/progress',
    {
      schema: {
        tags,
        summary: 'how far the verification under way is (coordinator admin or supervisor)',
        description:
          'How far the verification under way has come (blocks checked of the height). Coordinator admin or supervisor; records nothing.',
        response: responses(VerifyProgress, ['FORBIDDEN']),
      },
    },
    (request) => {
      requireOperator(principalOf(request), ctx.coordinator, 'following a verification');
      if (!verifying)
        return Promise.resolve({
          running: false,
          phase: null,
          done: null,
          total: null,
          startedAt: null,
        });
      const ledger = verifying.phase === 'ledger' ? ctx.ledger.verifyProgress?.() : undefined;
      return Promise.resolve({
        running: true,
        phase: ledger ? `ledger:${ledger.phase}` : verifying.phase,
        done: ledger?.done ?? null,
        total: ledger?.total ?? null,
        startedAt: verifying.startedAt.toISOString(),
      });
    },
  );
}

/** The coordinator's rebuild of a department's node (embedded engine). */
function repairRoute(app: RouteApp, ctx: GatewayContext): void {
  app.post(
    '/nodes/:department/repair',
    {
      schema: {
        tags,
        summary:
          "rebuild a department's node from the orderer's blocks, re-validating each; a department whose key material was lost gets it back from its backup first (coordinator admin)",
        description:
          "The coordinator's admin rebuilds a department's node from the orderer's log, re-validating each block as it is applied; the node serves again when done. Nothing new is written to the ledger.",
        params: Type.Object(
          { department: Type.String({ pattern: '^[a-z][a-z0-9]{1,15}$' }) },
          { additionalProperties: false },
        ),
        response: responses(NodeStatus, [
          'FORBIDDEN',
          'NOT_FOUND',
          'CONFLICT',
          'LEDGER_UNAVAILABLE',
        ]),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      if (principal.department !== ctx.coordinator || !hasRole(principal, 'admin'))
        throw new GatewayError(
          'FORBIDDEN',
          `repairing a node is for the coordinator's admin; ${principal.user}@${principal.department} is not`,
        );
      const { department } = request.params;
      const repair = ctx.ledger.repairNode?.bind(ctx.ledger);
      if (!repair)
        throw new GatewayError(
          'BAD_REQUEST',
          `the ${(await ledgerCall(() => ctx.ledger.status())).engine} engine's nodes are rebuilt by their own operators (on Fabric: peer node rebuild-dbs)`,
        );
      await ledgerCall(() => repair(department));
      const node = (await ledgerCall(() => ctx.ledger.status())).nodes.find(
        (n) => n.id === department,
      );
      if (!node) throw new GatewayError('NOT_FOUND', `no node for department ${department}`);
      // Rebuilt means caught up with the log and accepted every block; say so if it did not.
      if (node.halted !== undefined)
        throw new GatewayError(
          'LEDGER_UNAVAILABLE',
          `node ${department} halted while rebuilding: ${node.halted}`,
          {
            details: node,
          },
        );
      return node;
    },
  );
}
