#include "runmeta.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../scanner/inhash.h"
#include "../scanner/resolver.h"
#include "jsonw.h"
#include "record_json.h"

static void status_counts(struct sts_jsonw *w, const char *key, const uint64_t *c)
{
    sts_jw_key(w, key);
    sts_jw_obj(w);
    for (int i = 0; i < STS_ST__COUNT; i++)
        if (c[i]) {
            sts_jw_key(w, sts_status_name((enum sts_status)i));
            sts_jw_uint(w, c[i]);
        }
    sts_jw_end(w);
}

int sts_runmeta_write(struct sts_ctx *ctx, const char *status)
{
    const struct sts_opts *o = ctx->opts;
    struct sts_buf b;
    struct sts_jsonw w;
    char ts[32];
    sts_buf_init(&b);
    sts_jw_init(&w, &b);
    sts_jw_obj(&w);
    sts_jw_key(&w, "tool");
    sts_jw_str(&w, "stsscan");
    sts_jw_key(&w, "version");
    sts_jw_str(&w, STSSCAN_VERSION);
    sts_jw_key(&w, "schema");
    sts_jw_str(&w, STS_SCHEMA_VERSION);
    sts_jw_key(&w, "status");
    sts_jw_str(&w, status);
    sts_iso_time(ts, ctx->started);
    sts_jw_key(&w, "started");
    sts_jw_str(&w, ts);
    sts_jw_key(&w, "finished");
    if (ctx->finished > 0) {
        sts_iso_time(ts, ctx->finished);
        sts_jw_str(&w, ts);
        sts_jw_key(&w, "elapsed_s");
        sts_jw_double(&w, ctx->finished - ctx->started, 3);
    } else {
        sts_jw_null(&w);
    }
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    sts_jw_key(&w, "hostname");
    sts_jw_str(&w, host);
    sts_jw_key(&w, "argv");
    sts_jw_arr(&w);
    for (int i = 0; i < o->argc; i++)
        sts_jw_str(&w, o->argv[i]);
    sts_jw_aend(&w);

    sts_jw_key(&w, "options");
    sts_jw_obj(&w);
    sts_jw_key(&w, "input");
    sts_jw_str(&w, o->input);
    sts_jw_key(&w, "csv");
    sts_jw_bool(&w, o->csv);
    sts_jw_key(&w, "csv_column");
    sts_jw_int(&w, o->csv_column);
    sts_jw_key(&w, "out_dir");
    sts_jw_str(&w, o->out_dir);
    sts_jw_key(&w, "probes");
    sts_jw_arr(&w);
    for (int i = 0; i < ctx->nprobes; i++)
        sts_jw_str(&w, ctx->probes[i]->name);
    sts_jw_aend(&w);
    sts_jw_key(&w, "concurrency");
    sts_jw_int(&w, o->concurrency);
    sts_jw_key(&w, "rate");
    sts_jw_double(&w, o->rate, 1);
    sts_jw_key(&w, "dns_timeout_ms");
    sts_jw_int(&w, o->dns_timeout_ms);
    sts_jw_key(&w, "dns_tries");
    sts_jw_int(&w, o->dns_tries);
    sts_jw_key(&w, "dns_max_inflight");
    sts_jw_int(&w, o->dns_max_inflight);
    sts_jw_key(&w, "edns_size");
    sts_jw_int(&w, o->edns_size);
    sts_jw_key(&w, "dns_sockets");
    sts_jw_int(&w, o->dns_sockets);
    sts_jw_key(&w, "mx_cache_max");
    sts_jw_int(&w, o->mx_cache_max);
    sts_jw_key(&w, "policy_always");
    sts_jw_bool(&w, o->policy_always);
    sts_jw_key(&w, "ca_file");
    sts_jw_str(&w, o->ca_file);
    sts_jw_key(&w, "policy_connect_timeout_ms");
    sts_jw_int(&w, o->policy_connect_timeout_ms);
    sts_jw_key(&w, "policy_tls_timeout_ms");
    sts_jw_int(&w, o->policy_tls_timeout_ms);
    sts_jw_key(&w, "policy_timeout_ms");
    sts_jw_int(&w, o->policy_timeout_ms);
    sts_jw_key(&w, "policy_max_conns");
    sts_jw_int(&w, o->policy_max_conns);
    sts_jw_key(&w, "policy_per_ip");
    sts_jw_int(&w, o->policy_per_ip);
    sts_jw_key(&w, "https_port");
    sts_jw_int(&w, o->https_port);
    sts_jw_key(&w, "shard"); /* --shard K/N; `stsscan merge` ignores it when comparing options */
    if (o->shard_n) {
        sts_jw_obj(&w);
        sts_jw_key(&w, "k");
        sts_jw_uint(&w, o->shard_k);
        sts_jw_key(&w, "n");
        sts_jw_uint(&w, o->shard_n);
        sts_jw_end(&w);
    } else {
        sts_jw_null(&w);
    }
    sts_jw_end(&w);
    sts_jw_key(&w, "input_sha256"); /* null until a non-file input was read to its end */
    sts_jw_str(&w, sts_inhash_hex(ctx->inhash));

    sts_jw_key(&w, "resolvers");
    sts_jw_arr(&w);
    if (ctx->resolver) {
        char *servers = sts_resolver_servers(ctx->resolver);
        for (char *save = NULL, *t = servers ? strtok_r(servers, ",", &save) : NULL; t;
             t = strtok_r(NULL, ",", &save))
            sts_jw_str(&w, t);
        free(servers);
    }
    sts_jw_aend(&w);

    const struct sts_counts *c = &ctx->counts;
    sts_jw_key(&w, "counts");
    sts_jw_obj(&w);
    sts_jw_key(&w, "lines_read");
    sts_jw_uint(&w, c->lines);
    sts_jw_key(&w, "records");
    sts_jw_uint(&w, c->records);
    sts_jw_key(&w, "domains_scanned");
    sts_jw_uint(&w, c->domains);
    sts_jw_key(&w, "input_errors");
    sts_jw_uint(&w, c->input_errors);
    sts_jw_key(&w, "duplicates");
    sts_jw_uint(&w, c->duplicates);
    status_counts(&w, "mta_sts", c->mtasts);
    status_counts(&w, "tls_rpt", c->tlsrpt);
    sts_jw_key(&w, "mx_kind");
    sts_jw_obj(&w);
    for (int i = 0; i < 4; i++) {
        sts_jw_key(&w, sts_mx_kind_name((enum sts_mx_kind)i));
        sts_jw_uint(&w, c->mx_kind[i]);
    }
    sts_jw_end(&w);
    sts_jw_end(&w);

    struct sts_resolver_stats rs = {0};
    if (ctx->resolver)
        sts_resolver_get_stats(ctx->resolver, &rs);
    sts_jw_key(&w, "dns");
    sts_jw_obj(&w);
    sts_jw_key(&w, "queries_sent");
    sts_jw_uint(&w, rs.sent);
    sts_jw_key(&w, "answers");
    sts_jw_uint(&w, rs.answered);
    sts_jw_key(&w, "failures");
    sts_jw_uint(&w, rs.failed);
    sts_jw_key(&w, "timeouts");
    sts_jw_uint(&w, rs.timeouts);
    sts_jw_end(&w);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    sts_jw_key(&w, "peak_rss_kb");
    sts_jw_int(&w, ru.ru_maxrss);
    sts_jw_end(&w);
    sts_buf_addc(&b, '\n');

    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/run.json", o->out_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || b.oom || sts_buf_write_fd(&b, fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
        rc = -errno;
        fprintf(stderr, "stsscan: cannot write %s: %s\n", path, strerror(errno));
    }
    sts_buf_free(&b);
    return rc;
}
