/**
 * npm webdav-server v2 on 127.0.0.1, in this process, in memory, with one Basic-auth user who may do
 * everything: the WebDAV server of the sync end-to-end test and the sync benchmark.
 */
import { v2 as webdav } from 'webdav-server';

/** @returns {Promise<{ url: string, close: () => Promise<void> }>} `url` ends with '/'. */
export async function startWebdavServer({ user, password }) {
  const users = new webdav.SimpleUserManager();
  const account = users.addUser(user, password, false);
  const privileges = new webdav.SimplePathPrivilegeManager();
  privileges.setRights(account, '/', ['all']);
  const server = new webdav.WebDAVServer({
    hostname: '127.0.0.1',
    port: 0,
    requireAuthentification: true,
    httpAuthentication: new webdav.HTTPBasicAuthentication(users, 'backstory'),
    privilegeManager: privileges,
  });
  const http = await server.startAsync(0);
  return { url: `http://127.0.0.1:${http.address().port}/`, close: () => server.stopAsync() };
}
