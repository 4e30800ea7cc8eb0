/**
 * The link a verification mail carries, minted as better-auth mints it: createEmailVerificationToken
 * signs a JWT with BETTER_AUTH_SECRET, and GET /api/auth/verify-email checks that signature. Holding
 * the secret is therefore the whole of the right to verify an address. The local tooling holds it
 * (it writes the worker's secrets), so it uses this to bring up its admin already verified; in
 * production the same link arrives by mail (auth.ts, sendVerificationEmail).
 *
 * Kept free of worker-only types: Node (tooling/stack.ts) imports it too.
 */
import { createEmailVerificationToken } from 'better-auth/api';

export const AUTH_BASE_PATH = '/api/auth';

export async function verificationLink(options: {
  /** Where the worker answers, e.g. http://127.0.0.1:8787. */
  workerUrl: string;
  secret: string;
  email: string;
  /** Binds the token to this account: better-auth refuses it for another one with the same email. */
  userId: string;
  expiresInSeconds?: number;
}): Promise<string> {
  const token = await createEmailVerificationToken(options.secret, options.email, undefined, options.expiresInSeconds ?? 3600, {
    userId: options.userId,
  });
  return `${options.workerUrl.replace(/\/+$/, '')}${AUTH_BASE_PATH}/verify-email?token=${encodeURIComponent(token)}`;
}
