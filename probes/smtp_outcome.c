/* A finished session's outcome: its brief and its JSON rendered once
 * (smtp_outcome.h says why). */
#include "smtp_outcome.h"

#include <stdlib.h>
#include <string.h>

#include "smtp.h"

void sts_smtp_brief_of(const struct sts_smtp_conn *c, struct sts_smtp_brief *b)
{
    const struct sts_tls_facts *t = &c->tls;
    *b = (struct sts_smtp_brief){
        .cls = c->cls, .err = c->err, .detail = c->detail, .ehlo_replied = c->ehlo.code >= 0,
        .starttls_adv = c->starttls_adv, .starttls_code = c->starttls.code, .tls = t->present,
        .tls_cipher = t->present ? t->cipher : NULL, .verify_code = t->verify_code,
        .chain_valid = t->chain_valid, .name_match = t->name_match,
        .expired = t->expired || t->not_yet_valid, .not_after = t->not_after,
        .dane_looked_up = c->dane.looked_up, .dane_tlsa = c->dane.nrec_total,
        .dane_match = c->dane.match, .ms_total = c->ms_total};
    memcpy(b->garbled_token, c->garbled_token, sizeof b->garbled_token);
    memcpy(b->tls_version, t->version, sizeof b->tls_version);
}

void sts_smtp_brief_view(const struct sts_smtp_brief *b, struct sts_smtp_addr_view *v)
{
    *v = (struct sts_smtp_addr_view){.cls = b->cls, .err = b->err,
                                     .chain_valid = b->tls && b->chain_valid,
                                     .name_match = b->tls && b->name_match,
                                     .expired = b->expired};
}

void sts_smtp_store_open(struct sts_smtp_store *s, const char *dir)
{
    memset(s, 0, sizeof *s);
    sts_spill_open(&s->spill, dir);
    sts_buf_init(&s->tmp);
}

void sts_smtp_store_close(struct sts_smtp_store *s)
{
    sts_spill_close(&s->spill);
    sts_buf_free(&s->tmp);
}

void sts_smtp_store_json(struct sts_jsonw *w, const struct sts_smtp_store *s)
{
    const struct sts_spill_stats *st = &s->spill.st;
    sts_jw_key(w, "smtp_spill");
    sts_jw_obj(w);
    sts_jw_key(w, "file");
    sts_jw_str(w, s->spill.why[0] ? s->spill.why : "ok");
    sts_jw_key(w, "sessions");
    sts_jw_uint(w, st->puts);
    sts_jw_key(w, "bytes");
    sts_jw_uint(w, st->bytes);
    sts_jw_key(w, "kept_in_memory");
    sts_jw_uint(w, st->put_errors);
    sts_jw_key(w, "write_error");
    sts_jw_str(w, s->spill.put_errno ? strerror(s->spill.put_errno) : NULL);
    sts_jw_key(w, "reads");
    sts_jw_uint(w, st->gets);
    sts_jw_key(w, "read_errors");
    sts_jw_uint(w, st->get_errors);
    sts_jw_end(w);
}

/* sts_smtp_conn_json's members, without the object's braces */
static int render(const struct sts_smtp_conn *c, struct sts_buf *b, size_t *n)
{
    struct sts_jsonw w;
    sts_buf_reset(b);
    sts_jw_init(&w, b);
    sts_jw_obj(&w);
    sts_smtp_conn_json(&w, c);
    sts_jw_end(&w);
    if (b->oom || b->len < 2 || b->len - 2 > UINT32_MAX)
        return -1;
    *n = b->len - 2;
    return 0;
}

struct sts_smtp_outcome *sts_smtp_outcome_new(const struct sts_smtp_conn *c,
                                              struct sts_smtp_store *store, bool spill)
{
    size_t n, dl = c->detail ? strlen(c->detail) + 1 : 0;
    size_t cl = c->tls.present ? strlen(c->tls.cipher) + 1 : 0;
    if (render(c, &store->tmp, &n) < 0)
        return NULL;
    const char *members = store->tmp.data + 1;
    uint64_t off = 0;
    bool spilled = spill && sts_spill_put(&store->spill, members, n, &off) == 0;
    /* not for the file, or the file refused it (no file, a full disk): the
     * JSON stays in memory, nothing is lost */
    size_t keep = spilled ? 0 : n + 1;
    struct sts_smtp_outcome *o = malloc(sizeof *o + dl + cl + keep);
    if (!o)
        return NULL;
    o->refs = 1;
    o->store = store;
    sts_smtp_brief_of(c, &o->b);
    char *p = o->text;
    if (dl) {
        o->b.detail = memcpy(p, c->detail, dl);
        p += dl;
    }
    if (cl) {
        o->b.tls_cipher = memcpy(p, c->tls.cipher, cl);
        p += cl;
    }
    o->json = NULL;
    o->off = off;
    o->len = (uint32_t)n;
    if (!spilled) {
        o->json = memcpy(p, members, n);
        o->json[n] = '\0';
    }
    return o;
}

/* Saved bytes: the brief as it is in memory (its two string pointers are
 * rewritten on load), the JSON's place in the spill file, then the strings.
 * The spill file lives and dies with this process, so the layout is this
 * build's and no other. */
struct saved {
    struct sts_smtp_brief b;
    uint64_t off;
    uint32_t len;
    uint16_t detail_len, cipher_len; /* with their NULs, 0 when absent */
};

int sts_smtp_outcome_save(const struct sts_smtp_outcome *o, struct sts_buf *b)
{
    size_t dl = o->b.detail ? strlen(o->b.detail) + 1 : 0;
    size_t cl = o->b.tls_cipher ? strlen(o->b.tls_cipher) + 1 : 0;
    if (o->json || dl > UINT16_MAX || cl > UINT16_MAX)
        return -1;
    struct saved s = {.b = o->b, .off = o->off, .len = o->len, .detail_len = (uint16_t)dl,
                      .cipher_len = (uint16_t)cl};
    s.b.detail = s.b.tls_cipher = NULL;
    sts_buf_add(b, &s, sizeof s);
    if (dl)
        sts_buf_add(b, o->b.detail, dl);
    if (cl)
        sts_buf_add(b, o->b.tls_cipher, cl);
    return b->oom ? -1 : 0;
}

struct sts_smtp_outcome *sts_smtp_outcome_load(struct sts_smtp_store *store, const char *p,
                                               size_t n)
{
    struct saved s;
    if (n < sizeof s)
        return NULL;
    memcpy(&s, p, sizeof s);
    const char *d = p + sizeof s, *cipher = d + s.detail_len;
    if (n != sizeof s + s.detail_len + s.cipher_len || (s.detail_len && d[s.detail_len - 1]) ||
        (s.cipher_len && cipher[s.cipher_len - 1]))
        return NULL;
    struct sts_smtp_outcome *o = malloc(sizeof *o + s.detail_len + s.cipher_len);
    if (!o)
        return NULL;
    *o = (struct sts_smtp_outcome){.refs = 1, .store = store, .b = s.b, .off = s.off,
                                   .len = s.len};
    memcpy(o->text, d, s.detail_len + s.cipher_len);
    o->b.detail = s.detail_len ? o->text : NULL;
    o->b.tls_cipher = s.cipher_len ? o->text + s.detail_len : NULL;
    return o;
}

void sts_smtp_outcome_ref(struct sts_smtp_outcome *o)
{
    o->refs++;
}

void sts_smtp_outcome_unref(struct sts_smtp_outcome *o)
{
    if (o && --o->refs == 0)
        free(o);
}

void sts_smtp_outcome_json(struct sts_jsonw *w, const struct sts_smtp_outcome *o)
{
    if (o->json) {
        sts_jw_raw(w, o->json);
        return;
    }
    struct sts_smtp_store *s = o->store;
    sts_buf_reset(&s->tmp);
    if (sts_spill_get(&s->spill, o->off, o->len, &s->tmp) == 0) {
        sts_jw_raw(w, s->tmp.data);
        return;
    }
    /* the scanner could not read its own file back: its failure, named as such */
    sts_jw_key(w, "class");
    sts_jw_str(w, sts_smtp_class_name(STS_SMTP_C_ERROR));
    sts_jw_key(w, "error");
    sts_jw_err(w, STS_E_LOCAL_IO);
}
