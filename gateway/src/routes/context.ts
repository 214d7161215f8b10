/**
 * What every route plugin is registered with: the gateway context that services/runtime.ts builds.
 */
import type { GatewayContext } from '../services/runtime.js';

export interface RouteOptions {
  ctx: GatewayContext;
}
