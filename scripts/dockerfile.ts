// A small reader for the subset of Dockerfile syntax docker/*.Dockerfile use, shared by
// `npm run images:verify` (which replays a Dockerfile without Docker) and e2e's static checks, so
// neither can drift from what the image really does. It is not a general Dockerfile parser: what
// it does not understand (shell-form CMD, heredocs, ONBUILD) is an error, not a guess.

export interface Instruction {
  /** Upper-cased: FROM, RUN, COPY, ENV, WORKDIR, CMD, ENTRYPOINT, HEALTHCHECK, USER, EXPOSE, ARG, … */
  readonly keyword: string;
  /** Leading `--name=value` options (`--from=build`, `--mount=…`, `--interval=10s`). */
  readonly flags: Readonly<Record<string, string>>;
  /** The rest of the instruction, continuation lines joined with a space. */
  readonly args: string;
  /** 1-based line of the instruction's first line. */
  readonly line: number;
}

export interface Stage {
  readonly name: string;
  /** The image or earlier stage it starts from, build args substituted. */
  readonly base: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  readonly globalArgs: Readonly<Record<string, string>>;
  readonly stages: readonly Stage[];
}

export interface CopySpec {
  /** The stage a `COPY --from=` reads; undefined for the build context. */
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly dest: string;
}

const SUPPORTED = new Set(['FROM', 'ARG', 'ENV', 'WORKDIR', 'RUN', 'COPY', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'USER', 'EXPOSE', 'LABEL']);

/** `${NAME}` and `$NAME` from `vars`; unknown names become empty, as Docker does. */
export function substitute(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, braced: string | undefined, bare: string | undefined) => vars[(braced ?? bare) as string] ?? '');
}

/** Splits leading `--name=value` options off an instruction's arguments. */
function splitFlags(rest: string): { flags: Record<string, string>; args: string } {
  const flags: Record<string, string> = {};
  let args = rest;
  for (;;) {
    const match = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(args);
    if (!match?.[1]) break;
    flags[match[1]] = match[2] ?? 'true';
    args = args.slice(match[0].length);
  }
  return { flags, args: args.trim() };
}

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split('\n');
  const globalArgs: Record<string, string> = {};
  const stages: { name: string; base: string; instructions: Instruction[] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i] ?? '';
    if (/^\s*(#.*)?$/.test(first)) continue;
    const startLine = i + 1;
    let joined = first.trimEnd();
    while (joined.endsWith('\\')) {
      joined = joined.slice(0, -1).trimEnd();
      i++;
      if (i >= lines.length) break;
      const next = lines[i] ?? '';
      // Comment and empty lines inside a continued instruction are dropped, as Docker does.
      if (/^\s*(#.*)?$/.test(next)) {
        joined += ' \\';
        continue;
      }
      joined += ` ${next.trim()}`;
    }
    const match = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(joined);
    if (!match?.[1] || match[2] === undefined) throw new Error(`line ${startLine}: cannot read ${JSON.stringify(joined)}`);
    const keyword = match[1].toUpperCase();
    if (!SUPPORTED.has(keyword)) throw new Error(`line ${startLine}: ${keyword} is not supported by scripts/dockerfile.ts`);
    if (/<<-?\w/.test(match[2]) && keyword === 'RUN') throw new Error(`line ${startLine}: heredocs are not supported`);
    const { flags, args } = splitFlags(match[2]);
    const instruction: Instruction = { keyword, flags, args, line: startLine };
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from?.[1]) throw new Error(`line ${startLine}: cannot read FROM ${args}`);
      stages.push({ name: from[2] ?? String(stages.length), base: substitute(from[1], globalArgs), instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (keyword !== 'ARG') throw new Error(`line ${startLine}: ${keyword} before the first FROM`);
      const [name, value = ''] = args.split('=', 2) as [string, string?];
      globalArgs[name.trim()] = value.trim();
      continue;
    }
    stage.instructions.push(instruction);
  }
  if (stages.length === 0) throw new Error('no FROM');
  return { globalArgs, stages };
}

/** Tokens of a shell-like word list: whitespace-separated, double or single quotes group. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3] ?? ''));
  return words;
}

/** `ENV A=1 B="two words"` (or the legacy `ENV A 1`) → pairs, `$VAR` substituted from `vars`. */
export function parseEnv(args: string, vars: Readonly<Record<string, string>>): [string, string][] {
  const legacy = /^([A-Za-z_][A-Za-z0-9_]*)\s+([^=]*)$/.exec(args);
  if (legacy?.[1] && legacy[2] !== undefined && !args.includes('=')) return [[legacy[1], substitute(legacy[2].trim(), vars)]];
  const pairs: [string, string][] = [];
  const scope = { ...vars };
  for (const word of shellWords(args)) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new Error(`ENV: cannot read ${JSON.stringify(word)}`);
    const name = word.slice(0, eq);
    const value = substitute(word.slice(eq + 1), scope);
    pairs.push([name, value]);
    scope[name] = value;
  }
  return pairs;
}

/** A JSON exec form (`["node", "dist/main.js"]`). Shell form is refused: signals must reach node. */
export function parseExecForm(args: string, what: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw new Error(`${what} must use the JSON exec form (["node", "…"]), got ${args}`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((p) => typeof p === 'string')) {
    throw new Error(`${what} must be a non-empty JSON array of strings, got ${args}`);
  }
  return parsed as string[];
}

export function parseCopy(instruction: Instruction): CopySpec {
  const words = instruction.args.startsWith('[') ? parseExecForm(instruction.args, 'COPY') : shellWords(instruction.args);
  if (words.length < 2) throw new Error(`line ${instruction.line}: COPY needs a source and a destination`);
  return { from: instruction.flags.from, sources: words.slice(0, -1), dest: words.at(-1) as string };
}

/** Resolves a WORKDIR argument against the current one, as Docker does. */
export function nextWorkdir(current: string, arg: string): string {
  const joined = arg.startsWith('/') ? arg : `${current.replace(/\/$/, '')}/${arg}`;
  const parts: string[] = [];
  for (const part of joined.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** What a stage ends with: its environment, working directory, user and start command. */
export interface StageSummary {
  readonly env: Readonly<Record<string, string>>;
  readonly workdir: string;
  readonly user: string | undefined;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly healthcheck: { readonly flags: Readonly<Record<string, string>>; readonly cmd: readonly string[] } | undefined;
  /** Every COPY, with its destination resolved against the WORKDIR in force at that point. */
  readonly copies: readonly (CopySpec & { readonly destPath: string })[];
}

export function summarizeStage(stage: Stage): StageSummary {
  const env: Record<string, string> = {};
  let workdir = '/';
  let user: string | undefined;
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  let healthcheck: StageSummary['healthcheck'];
  const copies: (CopySpec & { destPath: string })[] = [];
  for (const instruction of stage.instructions) {
    switch (instruction.keyword) {
      case 'ENV':
        for (const [name, value] of parseEnv(instruction.args, env)) env[name] = value;
        break;
      case 'WORKDIR':
        workdir = nextWorkdir(workdir, substitute(instruction.args, env));
        break;
      case 'USER':
        user = instruction.args;
        break;
      case 'ENTRYPOINT':
        entrypoint = parseExecForm(instruction.args, 'ENTRYPOINT');
        break;
      case 'CMD':
        cmd = parseExecForm(instruction.args, 'CMD');
        break;
      case 'HEALTHCHECK': {
        const m = /^CMD\s+([\s\S]*)$/.exec(instruction.args);
        if (!m?.[1]) throw new Error(`line ${instruction.line}: HEALTHCHECK must be HEALTHCHECK [options] CMD [...]`);
        healthcheck = { flags: instruction.flags, cmd: parseExecForm(m[1], 'HEALTHCHECK CMD') };
        break;
      }
      case 'COPY': {
        const spec = parseCopy(instruction);
        copies.push({ ...spec, destPath: nextWorkdir(workdir, spec.dest) });
        break;
      }
      default:
        break;
    }
  }
  return { env, workdir, user, entrypoint, cmd, healthcheck, copies };
}

/** Docker's duration syntax as used in HEALTHCHECK and compose (`10s`, `1m30s`, `500ms`) → ms. */
export function durationMs(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let consumed = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    total += Number(m[1]) * unit;
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== text.trim().length) throw new Error(`not a duration: ${JSON.stringify(text)}`);
  return total;
}

/**
 * `.dockerignore` as a predicate over context-relative paths (`a/b/c`): `*`, `?`, `**`, leading
 * `!` exceptions, the last matching line wins, and a matched directory excludes what is inside.
 */
export function dockerignoreMatcher(text: string): (relPath: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      let re = '';
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i] as string;
        if (c === '*' && pattern[i + 1] === '*') {
          const slash = pattern[i + 2] === '/';
          re += slash ? '(?:.*/)?' : '.*';
          i += slash ? 2 : 1;
        } else if (c === '*') re += '[^/]*';
        else if (c === '?') re += '[^/]';
        else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { negate, re: new RegExp(`^${re}$`) };
    });
  return (relPath: string) => {
    const parts = relPath.split('/');
    let ignored = false;
    for (const rule of rules) {
      // A pattern that matches a parent directory matches everything under it.
      for (let n = 1; n <= parts.length; n++) {
        if (rule.re.test(parts.slice(0, n).join('/'))) {
          ignored = !rule.negate;
          break;
        }
      }
    }
    return ignored;
  };
}
