import { parseCallbackAllow, NOTHING_ALLOWED, type CallbackAllow } from './callback-allow';
import { CallbackRefusedError, blockedKind, checkWebhookTarget, embeddedIPv4, type ResolveHost } from './outbound-guard';

function allowOf(value: string): CallbackAllow {
  const parsed = parseCallbackAllow(value);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.allow;
}

// A fake resolver: narrow unit tests must not depend on the machine's DNS.
const DNS: Record<string, string[]> = {
  'hooks.example.com': ['93.184.215.14'],
  'rebind.example.com': ['93.184.215.14', '10.0.0.7'],
  'metadata.example.com': ['169.254.169.254'],
  'mapped.example.com': ['::ffff:127.0.0.1'],
  'v6.example.com': ['2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
  localhost: ['127.0.0.1', '::1'],
};
const resolve: ResolveHost = (hostname) => {
  const addresses = DNS[hostname];
  if (addresses === undefined) return Promise.reject(new Error(`getaddrinfo ENOTFOUND ${hostname}`));
  return Promise.resolve(addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
};

async function refusal(url: string, allow: CallbackAllow = NOTHING_ALLOWED): Promise<string> {
  const err: unknown = await checkWebhookTarget(url, allow, resolve).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof CallbackRefusedError)) throw new Error(`${url} was not refused`);
  return err.message;
}

describe('blockedKind', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.0.9', 'a loopback address'],
    ['10.1.2.3', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['100.64.0.1', 'a shared (carrier-grade NAT) address'],
    ['169.254.169.254', 'a link-local address'],
    ['0.0.0.0', 'an unspecified ("this network") address'],
    ['224.0.0.251', 'a multicast address'],
    ['255.255.255.255', 'a reserved address'],
    ['::1', 'a loopback address'],
    ['::', 'an unspecified address'],
    ['fd00::1', 'a private (unique local) address'],
    ['fe80::1', 'a link-local address'],
    ['ff02::1', 'a multicast address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['::ffff:7f00:1', 'a loopback address'],
    ['::FFFF:169.254.169.254', 'a link-local address'],
    ['::ffff:10.0.0.1', 'a private address'],
    ['64:ff9b::a00:1', 'a private address'],
  ])('names %s %s', (address, kind) => {
    expect(blockedKind(address)).toBe(kind);
  });

  it.each(['93.184.215.14', '172.32.0.1', '100.128.0.1', '8.8.8.8', '2606:2800:21f:cb07:6820:80da:af6b:8b2c', '::ffff:8.8.8.8'])('lets %s through', (address) => {
    expect(blockedKind(address)).toBeUndefined();
  });

  it('reads the IPv4 address inside a mapped IPv6 one', () => {
    expect(embeddedIPv4('::ffff:192.168.0.1')).toBe('192.168.0.1');
    expect(embeddedIPv4('2606:2800::1')).toBeUndefined();
  });
});

describe('parseCallbackAllow', () => {
  it('takes host names, addresses and CIDRs of both families', () => {
    const allow = allowOf(' Hooks.Internal , 10.1.0.0/16,127.0.0.1, fd00::/8 ,');
    expect([...allow.hosts]).toEqual(['hooks.internal', '127.0.0.1']);
    expect(allow.addresses.check('10.1.200.3', 'ipv4')).toBe(true);
    expect(allow.addresses.check('10.2.0.1', 'ipv4')).toBe(false);
    expect(allow.addresses.check('fd12::1', 'ipv6')).toBe(true);
  });

  it('names every invalid entry', () => {
    const parsed = parseCallbackAllow('10.0.0.0/33,not a host,foo/8,::1/129');
    expect(parsed).toEqual({ ok: false, problems: expect.arrayContaining([expect.stringContaining('10.0.0.0/33'), expect.stringContaining('not a host'), expect.stringContaining('foo/8'), expect.stringContaining('::1/129')]) as unknown });
  });
});

describe('checkWebhookTarget', () => {
  it('connects https to the checked public address, keeping the host name', async () => {
    const target = await checkWebhookTarget('https://hooks.example.com/in?x=1', NOTHING_ALLOWED, resolve);
    expect(target.hostname).toBe('hooks.example.com');
    expect(target.address).toEqual({ address: '93.184.215.14', family: 4 });
    expect((await checkWebhookTarget('https://v6.example.com/', NOTHING_ALLOWED, resolve)).address.family).toBe(6);
  });

  it('refuses http unless CALLBACK_ALLOW names the host', async () => {
    expect(await refusal('http://hooks.example.com/')).toMatch(/http:\/\/ only to hosts CALLBACK_ALLOW names/);
    await expect(checkWebhookTarget('http://hooks.example.com/', allowOf('hooks.example.com'), resolve)).resolves.toMatchObject({ hostname: 'hooks.example.com' });
    expect(await refusal('ftp://hooks.example.com/', allowOf('hooks.example.com'))).toMatch(/ftp: is not http: or https:/);
  });

  it('refuses names that resolve to loopback, link-local or private addresses', async () => {
    expect(await refusal('https://localhost:8443/')).toBe('refused: localhost resolves to 127.0.0.1, a loopback address, which CALLBACK_ALLOW does not name');
    expect(await refusal('https://metadata.example.com/')).toMatch(/169\.254\.169\.254, a link-local address/);
    expect(await refusal('https://mapped.example.com/')).toMatch(/::ffff:127\.0\.0\.1, a loopback address/);
    // One private address among public ones is enough: the connection could go to any.
    expect(await refusal('https://rebind.example.com/')).toMatch(/10\.0\.0\.7, a private address/);
  });

  it('refuses address literals in blocked ranges, IPv6 and mapped forms included', async () => {
    expect(await refusal('https://169.254.169.254/latest/meta-data')).toMatch(/link-local/);
    expect(await refusal('https://[::1]/')).toMatch(/loopback/);
    expect(await refusal('https://[::ffff:169.254.169.254]/')).toMatch(/link-local/);
    expect(await refusal('https://[fe80::1]/')).toMatch(/link-local/);
    expect(await refusal('https://0.0.0.0/')).toMatch(/unspecified/);
  });

  it('lets an allowed host or address through', async () => {
    await expect(checkWebhookTarget('https://localhost/', allowOf('localhost'), resolve)).resolves.toMatchObject({ address: { address: '127.0.0.1' } });
    await expect(checkWebhookTarget('http://127.0.0.1:9/', allowOf('127.0.0.1'), resolve)).resolves.toMatchObject({ address: { address: '127.0.0.1' } });
    await expect(checkWebhookTarget('https://rebind.example.com/', allowOf('10.0.0.0/8'), resolve)).resolves.toMatchObject({ hostname: 'rebind.example.com' });
    await expect(checkWebhookTarget('https://[::ffff:127.0.0.1]/', allowOf('127.0.0.0/8'), resolve)).resolves.toMatchObject({ address: { family: 6 } });
    // An allowed address is not an allowed host: http stays refused for a name.
    expect(await refusal('http://localhost/', allowOf('127.0.0.0/8'))).toMatch(/needs https/);
  });

  it('reports a name that does not resolve, and credentials in the URL', async () => {
    expect(await refusal('https://nowhere.invalid/')).toBe('failed: nowhere.invalid does not resolve');
    expect(await refusal('https://user:pw@hooks.example.com/')).toMatch(/credentials/);
  });
});
