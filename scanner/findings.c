#include "findings.h"

bool sts_findings_has(const struct sts_findings *f, sts_err code)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->code[i] == code)
            return true;
    return false;
}

void sts_findings_add(struct sts_findings *f, sts_err code)
{
    if (code == STS_OK || sts_findings_has(f, code))
        return;
    if (f->n < STS_FINDINGS_MAX)
        f->code[f->n++] = (uint16_t)code;
    else if (f->overflow < UINT16_MAX)
        f->overflow++;
}

void sts_findings_merge(struct sts_findings *f, const struct sts_findings *src)
{
    for (size_t i = 0; i < src->n; i++)
        sts_findings_add(f, (sts_err)src->code[i]);
    if (src->overflow && f->overflow < UINT16_MAX)
        f->overflow++;
}

void sts_findings_json(struct sts_jsonw *w, const struct sts_findings *f)
{
    sts_jw_arr(w);
    for (size_t i = 0; i < f->n; i++)
        sts_jw_str(w, sts_err_name((sts_err)f->code[i]));
    if (f->overflow)
        sts_jw_str(w, sts_err_name(STS_E_FINDINGS_TRUNCATED));
    sts_jw_aend(w);
}

void sts_findings_text(struct sts_buf *b, const struct sts_findings *f, char sep)
{
    for (size_t i = 0; i < f->n; i++) {
        if (i)
            sts_buf_addc(b, sep);
        sts_buf_adds(b, sts_err_name((sts_err)f->code[i]));
    }
    if (f->overflow) {
        if (f->n)
            sts_buf_addc(b, sep);
        sts_buf_adds(b, sts_err_name(STS_E_FINDINGS_TRUNCATED));
    }
}

void sts_jw_err(struct sts_jsonw *w, sts_err e)
{
    if (e == STS_OK)
        sts_jw_null(w);
    else
        sts_jw_str(w, sts_err_name(e));
}
