/* A finished session's outcome (probes/smtp_outcome.c): the record's bytes
 * are the session's JSON whether it was read back from the spill file or kept
 * in memory; the brief outlives the session; a spill file that cannot be read
 * gives the scanner's own error, never the target's. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "probes/smtp.h"

/* a session that went all the way, with text that needs escaping */
static struct sts_smtp_conn *session(void)
{
    struct sts_smtp_conn *c = sts_smtp_conn_new("mx1.example.net", "192.0.2.7", 25);
    assert_non_null(c);
    c->cls = STS_SMTP_C_OFFERED;
    c->banner.code = 220;
    c->banner.text = strdup("mx1 ESMTP \"quoted\"\tand \x01 control");
    c->ehlo.code = 250;
    c->ehlo_ext = strdup("PIPELINING\nSIZE 10240000\nSTARTTLS");
    c->starttls_adv = STS_STARTTLS_OFFERED;
    c->starttls.code = 220;
    c->tls.present = true;
    snprintf(c->tls.version, sizeof c->tls.version, "TLSv1.3");
    snprintf(c->tls.cipher, sizeof c->tls.cipher, "TLS_AES_256_GCM_SHA384");
    c->tls.chain_valid = true;
    c->tls.name_match = true;
    c->tls.not_after = 1900000000;
    c->tls.subject = strdup("CN=mx1.example.net");
    c->tls.sans[0] = strdup("mx1.example.net");
    c->tls.san_len[0] = strlen(c->tls.sans[0]);
    c->tls.nsans = 1;
    sts_smtp_conn_detail(c, "a detail");
    c->ms_connect = 1.5;
    c->ms_total = 42.25;
    c->done = true;
    return c;
}

/* {members} of a session, or of an outcome */
static char *object(const struct sts_smtp_conn *c, const struct sts_smtp_outcome *o)
{
    struct sts_buf b;
    struct sts_jsonw w;
    sts_buf_init(&b);
    sts_jw_init(&w, &b);
    sts_jw_obj(&w);
    sts_jw_key(&w, "ip"); /* a member before: the outcome's members follow a comma */
    sts_jw_str(&w, "192.0.2.7");
    if (c)
        sts_smtp_conn_json(&w, c);
    else
        sts_smtp_outcome_json(&w, o);
    sts_jw_end(&w);
    assert_false(b.oom);
    return b.data;
}

/* the outcome of session(), with the session freed before the record is written */
static char *through(struct sts_smtp_store *st, struct sts_smtp_outcome **out)
{
    struct sts_smtp_conn *c = session();
    char *want = object(c, NULL);
    *out = sts_smtp_outcome_new(c, st, true);
    assert_non_null(*out);
    sts_smtp_conn_free(c);
    return want;
}

static void test_spilled(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_smtp_outcome.XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct sts_smtp_store st;
    sts_smtp_store_open(&st, dir);
    struct sts_smtp_outcome *o, *o2;
    char *want = through(&st, &o), *want2 = through(&st, &o2);
    assert_null(o->json); /* in the file, not in memory */
    assert_int_equal(st.spill.st.puts, 2);
    assert_int_equal(o2->off, o->len);
    for (int i = 0; i < 3; i++) { /* every record that uses it reads it back */
        char *got = object(NULL, i == 1 ? o2 : o);
        assert_string_equal(got, i == 1 ? want2 : want);
        free(got);
    }
    assert_int_equal(st.spill.st.gets, 3);
    assert_int_equal(st.spill.st.put_errors, 0);
    assert_int_equal(st.spill.st.get_errors, 0);
    /* the brief's strings are the outcome's own: the session is gone */
    assert_int_equal(o->b.cls, STS_SMTP_C_OFFERED);
    assert_string_equal(o->b.detail, "a detail");
    assert_string_equal(o->b.tls_cipher, "TLS_AES_256_GCM_SHA384");
    assert_string_equal(o->b.tls_version, "TLSv1.3");
    assert_int_equal(o->b.starttls_code, 220);
    assert_true(o->b.ehlo_replied);
    assert_true(o->b.ms_total == 42.25);
    struct sts_smtp_addr_view v;
    sts_smtp_brief_view(&o->b, &v);
    assert_true(v.chain_valid && v.name_match && !v.expired);
    assert_int_equal(sts_smtp_addr_reason(&v), STS_OK);
    /* an outcome of one record (not cached) keeps its JSON: no file traffic */
    struct sts_smtp_conn *c = session();
    struct sts_smtp_outcome *o3 = sts_smtp_outcome_new(c, &st, false);
    sts_smtp_conn_free(c);
    assert_non_null(o3);
    assert_non_null(o3->json);
    char *got = object(NULL, o3);
    assert_string_equal(got, want);
    assert_int_equal(st.spill.st.puts, 2);
    assert_int_equal(st.spill.st.gets, 3);
    assert_int_equal(st.spill.st.put_errors, 0); /* kept by choice, not refused */
    free(got);
    sts_smtp_outcome_unref(o3);
    sts_smtp_outcome_unref(o);
    sts_smtp_outcome_unref(o2);
    free(want);
    free(want2);
    sts_smtp_store_close(&st);
    assert_int_equal(rmdir(dir), 0); /* the spill file left nothing behind */
}

/* a spill file that refuses the write (a full disk): the JSON stays in memory */
static void test_kept_in_memory(void **state)
{
    (void)state;
    struct sts_smtp_store st;
    sts_smtp_store_open(&st, "/nonexistent");
    sts_spill_open_fd(&st.spill, open("/dev/full", O_RDWR | O_CLOEXEC));
    struct sts_smtp_outcome *o;
    char *want = through(&st, &o);
    assert_non_null(o->json);
    assert_int_equal(st.spill.st.put_errors, 1);
    char *got = object(NULL, o);
    assert_string_equal(got, want);
    assert_int_equal(st.spill.st.gets, 0);
    free(got);
    free(want);
    sts_smtp_outcome_unref(o);
    sts_smtp_store_close(&st);
}

/* a spill file that cannot be read back: a local error in the record */
static void test_read_error(void **state)
{
    (void)state;
    char path[] = "/tmp/test_smtp_outcome_wo.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct sts_smtp_store st;
    sts_smtp_store_open(&st, "/nonexistent");
    sts_spill_open_fd(&st.spill, open(path, O_WRONLY | O_CLOEXEC));
    unlink(path);
    struct sts_smtp_outcome *o;
    char *want = through(&st, &o);
    char *got = object(NULL, o);
    assert_string_equal(got, "{\"ip\":\"192.0.2.7\",\"class\":\"error\",\"error\":\"local_io\"}");
    assert_int_equal(st.spill.st.get_errors, 1);
    assert_int_equal(sts_err_class(STS_E_LOCAL_IO), STS_ERRC_LOCAL);
    free(got);
    free(want);
    sts_smtp_outcome_unref(o);
    sts_smtp_store_close(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spilled),
        cmocka_unit_test(test_kept_in_memory),
        cmocka_unit_test(test_read_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
