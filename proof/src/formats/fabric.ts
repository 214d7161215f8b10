/**
 * The Fabric ledger's proof material, as the Fabric ledger client returns it. Bundles for Fabric
 * (verification against Fabric's block and envelope encodings) come with the Fabric engine's
 * proof work; until then this format is only the shape of the material (see ./index.ts).
 */

/** The Fabric-specific proof material: the block as ordered and the transaction's place in it. */
export interface FabricProofMaterial {
  channel: string;
  /** Index of the transaction in the block. */
  index: number;
  validationCode: string;
  /** The peer's commit hash after the block (hex). */
  commitHash: string;
  header: { number: string; previousHash: string; dataHash: string };
  /** Every envelope of the block, base64, in order: the data hash is over their concatenation. */
  data: string[];
  /** Block metadata SIGNATURES: the signed value and each orderer's signature header and signature (base64). */
  signatureValue: string;
  signatures: { signatureHeader: string; signature: string }[];
}
