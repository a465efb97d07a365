// The oidc-provider peer of login_bench: one public device client (RFC 8628) on a loopback port,
// in-memory storage (oidc-provider's own adapter). Prints "listening <port>" once it answers.
//
//   node oidc_peer.mjs PORT
import { createRequire } from 'node:module';

const require = createRequire(new URL('./oidc/package.json', import.meta.url));
const { default: Provider } = await import(require.resolve('oidc-provider'));

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node oidc_peer.mjs PORT');
  process.exit(2);
}

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'bench-tv',
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'none',
  }],
  features: { deviceFlow: { enabled: true }, devInteractions: { enabled: false } },
  cookies: { keys: ['login-bench-only'] },
});
provider.on('server_error', (ctx, err) => console.error('oidc peer:', err));

const server = provider.listen(port, '127.0.0.1', () => console.log(`listening ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
