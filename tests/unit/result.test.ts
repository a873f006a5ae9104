import { describe, expect, it } from 'vitest';
import { toAppError } from '../../lib/result';
import { CryptoError } from '../../lib/sync/crypto';
import { SyncError } from '../../lib/sync/protocol';
import { RemoteError } from '../../lib/sync/remote';

describe('errors written for the user reach the user as they are', () => {
  it('keeps the message of server, encryption and protocol errors, with a code to act on', () => {
    expect(toAppError(new RemoteError('auth', 'The server refused the user name or app password (401).', 401))).toEqual(
      {
        code: 'storage-failed',
        message: 'The server refused the user name or app password (401).',
      },
    );
    expect(toAppError(new CryptoError('wrong-passphrase'))).toEqual({
      code: 'invalid-input',
      message: 'The passphrase is not the one this store was encrypted with.',
    });
    expect(toAppError(new SyncError('store-corrupt', 'The store on the server is damaged.')).message).toBe(
      'The store on the server is damaged.',
    );
  });

  it('still wraps other named errors as storage failures', () => {
    const e = new Error('disk');
    e.name = 'UnknownError';
    expect(toAppError(e)).toMatchObject({
      code: 'storage-failed',
      message: expect.stringContaining('UnknownError: disk'),
    });
  });
});
