/**
 * What other packages import as `@shulian/chaincode/constants`: the constants and enumerations
 * (./constants.ts) with the entity shapes (./model/types.ts) and the derived overdue rule. A
 * barrel of its own, so the entity shapes can import the enumerations without an import cycle.
 */
export * from './constants.js';
export * from './model/types.js';
export { currentDeadline, isOverdue, type Answerable } from './model/overdue.js';
