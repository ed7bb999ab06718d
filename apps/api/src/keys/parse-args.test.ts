import { UsageError, parseKeysArgs } from './parse-args';

const create = ['create', '--name', 'ci-deploy', '--tenant', 'acme', '--scopes', 'tasks:write,tasks:read'];

describe('parseKeysArgs', () => {
  it('reads create with its name, tenant and scopes, and a rate only when given', () => {
    expect(parseKeysArgs(create)).toEqual({ command: 'create', name: 'ci-deploy', tenant: 'acme', scopes: ['tasks:write', 'tasks:read'] });
    expect(parseKeysArgs([...create, '--rps', '2.5', '--burst=10'])).toEqual({
      command: 'create',
      name: 'ci-deploy',
      tenant: 'acme',
      scopes: ['tasks:write', 'tasks:read'],
      rateRps: 2.5,
      rateBurst: 10,
    });
  });

  it('takes scopes with spaces around the commas, once each', () => {
    expect(parseKeysArgs(['create', '--name', 'a', '--tenant', 'default', '--scopes', 'admin, tasks:read,admin'])).toMatchObject({ scopes: ['admin', 'tasks:read'] });
  });

  it('reads list and revoke', () => {
    expect(parseKeysArgs(['list'])).toEqual({ command: 'list' });
    expect(parseKeysArgs(['revoke', '--name', 'old.key_1'])).toEqual({ command: 'revoke', name: 'old.key_1' });
  });

  it('answers help for help, --help and -h anywhere', () => {
    for (const argv of [['help'], ['--help'], ['-h'], ['create', '--help'], ['revoke', '--name', 'x', '-h']]) {
      expect(parseKeysArgs(argv)).toEqual({ command: 'help' });
    }
  });

  it('refuses a missing or unknown command, an unknown option and a positional argument', () => {
    expect(() => parseKeysArgs([])).toThrow(new UsageError('missing command'));
    expect(() => parseKeysArgs(['rotate'])).toThrow(new UsageError('unknown command "rotate"'));
    expect(() => parseKeysArgs(['list', '--json'])).toThrow(new UsageError("Unknown option '--json'"));
    expect(() => parseKeysArgs(['revoke', 'ci-deploy'])).toThrow(UsageError);
    expect(() => parseKeysArgs(['revoke', '--name', 'a', '--tenant', 'b'])).toThrow(new UsageError("Unknown option '--tenant'"));
  });

  it('names the option create or revoke lacks, and one given twice', () => {
    expect(() => parseKeysArgs(['create', '--tenant', 'acme', '--scopes', 'admin'])).toThrow(new UsageError('create needs --name'));
    expect(() => parseKeysArgs(['create', '--name', 'a', '--scopes', 'admin'])).toThrow(new UsageError('create needs --tenant'));
    expect(() => parseKeysArgs(['create', '--name', 'a', '--tenant', 'acme'])).toThrow(new UsageError('create needs --scopes'));
    expect(() => parseKeysArgs(['revoke'])).toThrow(new UsageError('revoke needs --name'));
    expect(() => parseKeysArgs([...create, '--name', 'other'])).toThrow(new UsageError('give --name once'));
    expect(() => parseKeysArgs(['create', '--name'])).toThrow(UsageError);
  });

  it('refuses a bad name, tenant or scope, saying what it takes', () => {
    expect(() => parseKeysArgs(['create', '--name', 'has space', '--tenant', 'acme', '--scopes', 'admin'])).toThrow(
      new UsageError(`--name must be 1–64 of A–Z, a–z, 0–9, '.', '_' and '-'; got "has space"`),
    );
    expect(() => parseKeysArgs(['revoke', '--name', 'x'.repeat(65)])).toThrow(UsageError);
    expect(() => parseKeysArgs(['create', '--name', 'a', '--tenant', 'Acme', '--scopes', 'admin'])).toThrow(
      new UsageError('--tenant: a tenant is 1–63 of a–z, 0–9, - and _, starting with a letter or digit; got "Acme"'),
    );
    expect(() => parseKeysArgs(['create', '--name', 'a', '--tenant', 'acme', '--scopes', 'tasks:write,tasks:delete'])).toThrow(
      new UsageError('--scopes: unknown scope "tasks:delete"; give one or more of tasks:write, tasks:read, admin, comma-separated'),
    );
    expect(() => parseKeysArgs(['create', '--name', 'a', '--tenant', 'acme', '--scopes', 'admin,'])).toThrow(
      new UsageError('--scopes: an empty scope; give one or more of tasks:write, tasks:read, admin, comma-separated'),
    );
  });

  it('refuses a rate that is not a positive decimal and a burst that is not a positive whole number', () => {
    for (const rps of ['0', '-1', 'abc', '', '1e3', '0x10', 'Infinity', '2000000']) {
      expect(() => parseKeysArgs([...create, `--rps=${rps}`])).toThrow(/^--rps must be a number of requests per second above 0 and at most 1000000; got /);
    }
    expect(parseKeysArgs([...create, '--rps', '.5'])).toMatchObject({ rateRps: 0.5 });
    expect(() => parseKeysArgs([...create, '--rps', '-1'])).toThrow(new UsageError("Option '--rps' argument is ambiguous"));
    for (const burst of ['0', '1.5', '-3', 'ten', '1000001']) {
      expect(() => parseKeysArgs([...create, `--burst=${burst}`])).toThrow(/^--burst must be a whole number from 1 to 1000000; got /);
    }
  });
});
