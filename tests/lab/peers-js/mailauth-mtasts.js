#!/usr/bin/env node
// mailauth (npm, pinned in package.json) as an independent MTA-STS implementation for
// tests/lab/peers: for every domain, mailauth's own getPolicy() (lib/mta-sts.js: TXT lookup,
// policy fetch over HTTPS, policy parse) with a DNS resolver pointed at the lab.
//
//   NODE_PATH=build/peers/node_modules NODE_EXTRA_CA_CERTS=RUN/certs/ca.crt \
//     node mailauth-mtasts.js --resolver 127.0.53.53 [--jobs 16] [--deadline-ms 20000] DOMAINS.txt
//
// One JSON line per domain on stdout:
//   {"domain", "status": found|not_found|errored|harness_timeout, "id", "mode", "mx",
//    "max_age", "error_code", "error", "ms"}
// status is mailauth's getPolicy() status; harness_timeout means mailauth had not answered
// when --deadline-ms passed (its own HTTP timeout is an idle timeout of 15 s, so a policy
// host dripping one byte a second would keep it busy for minutes).
'use strict';

const fs = require('node:fs');
const dns = require('node:dns');
const path = require('node:path');

function usage(msg) {
    if (msg) {
        process.stderr.write(`mailauth-mtasts: ${msg}\n`);
    }
    process.stderr.write('usage: mailauth-mtasts.js --resolver IP[:PORT] [--jobs N] [--deadline-ms MS] DOMAINS.txt\n');
    process.exit(2);
}

let resolverAddr = null;
let jobs = 16;
let deadlineMs = 20000;
let file = null;
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--resolver') {
        resolverAddr = argv[++i];
    } else if (a === '--jobs') {
        jobs = Number(argv[++i]);
    } else if (a === '--deadline-ms') {
        deadlineMs = Number(argv[++i]);
    } else if (a.startsWith('--')) {
        usage(`unknown option ${a}`);
    } else {
        file = a;
    }
}
if (!resolverAddr || !file || !(jobs > 0) || !(deadlineMs > 0)) {
    usage();
}

let mtaSts;
try {
    mtaSts = require('mailauth/lib/mta-sts');
} catch (err) {
    process.stderr.write(`mailauth-mtasts: cannot load mailauth (${err.message}); set NODE_PATH to the node_modules of the pinned install\n`);
    process.exit(3);
}
let version = '?';
try {
    version = require('mailauth/package.json').version;
} catch (err) {
    // older packages may not export package.json; the version is informational only
}
process.stderr.write(`mailauth-mtasts: mailauth ${version} from ${path.dirname(require.resolve('mailauth/lib/mta-sts'))}, resolver ${resolverAddr}\n`);

// The lab resolver only (never the machine's): 2 s timeout, 2 tries, like stsscan's defaults.
// A fresh channel per query: c-ares >= 1.32 (node 20.x bundles 1.34) learns per-server
// timeouts from earlier answers, so a long-lived channel that has seen sub-millisecond lab
// answers gives up on a 1 s answer (dns-slow) after ~0.3 s - a harness artefact, not mailauth.
// mailauth calls resolver(name, rrtype) like dns.promises.resolve.
const resolver = (name, rrtype) => {
    const r = new dns.promises.Resolver({ timeout: 2000, tries: 2 });
    r.setServers([resolverAddr]);
    return r.resolve(name, rrtype);
};

const domains = fs
    .readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l && !l.startsWith('#'));

async function one(domain) {
    const t0 = Date.now();
    let timer;
    const deadline = new Promise(resolve => {
        timer = setTimeout(() => resolve({ status: 'harness_timeout', policy: {} }), deadlineMs);
    });
    let res;
    try {
        res = await Promise.race([mtaSts.getPolicy(domain, false, { resolver }), deadline]);
    } catch (err) {
        // getPolicy catches its own errors; anything here is a harness problem
        res = { status: 'harness_error', policy: { error: err } };
    } finally {
        clearTimeout(timer);
    }
    const p = res.policy || {};
    const err = p.error;
    return {
        domain,
        status: res.status,
        id: p.id === undefined ? null : p.id,
        mode: res.status === 'found' ? p.mode : null,
        mx: res.status === 'found' ? p.mx || [] : null,
        max_age: res.status === 'found' ? p.maxAge : null,
        error_code: err ? String(err.code || err.name || 'error') : null,
        error: err ? String(err.message || err) : null,
        ms: Date.now() - t0
    };
}

async function main() {
    let next = 0;
    const worker = async () => {
        while (next < domains.length) {
            const d = domains[next++];
            process.stdout.write(JSON.stringify(await one(d)) + '\n');
        }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, domains.length) }, worker));
}

main().then(
    // requests abandoned at the deadline may still hold sockets: do not wait for them
    () => process.exit(0),
    err => {
        process.stderr.write(`mailauth-mtasts: ${err.stack || err}\n`);
        process.exit(1);
    }
);
