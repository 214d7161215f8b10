/**
 * What every route plugin is registered with: the gateway context that services/runtime.ts builds.
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { GatewayContext } from '../services/runtime.js';

export interface RouteOptions {
  ctx: GatewayContext;
}

/** The instance a route plugin registers on, for the functions that a long plugin is split into. */
export type RouteApp = Parameters<FastifyPluginCallbackTypebox<RouteOptions>>[0];
