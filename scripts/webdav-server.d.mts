/** Types of webdav-server.mjs, for the TypeScript tests that use it. */
export function startWebdavServer(credentials: {
  user: string;
  password: string;
}): Promise<{ url: string; close: () => Promise<void> }>;
