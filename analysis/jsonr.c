/* One-pass JSON validator and tokenizer; see jsonr.h. */
#include "jsonr.h"

#include <stdlib.h>
#include <string.h>

void ana_json_init(struct ana_json *j)
{
    memset(j, 0, sizeof *j);
}

void ana_json_free(struct ana_json *j)
{
    free(j->t);
    ana_json_init(j);
}

const char *ana_json_errstr(int err)
{
    switch (err) {
    case AJE_OK: return "ok";
    case AJE_SYNTAX: return "not valid JSON";
    case AJE_DEPTH: return "nested too deeply";
    case AJE_TOKENS: return "too many values";
    case AJE_MEMORY: return "out of memory";
    }
    return "error";
}

static int grow(struct ana_json *j)
{
    uint32_t max = j->max ? j->max : ANA_JSON_MAX_TOKENS;
    if (j->count >= max)
        return AJE_TOKENS;
    uint32_t ncap = j->cap ? j->cap * 2 : 256;
    if (ncap > max)
        ncap = max;
    struct ana_jtok *nt = realloc(j->t, (size_t)ncap * sizeof *nt);
    if (!nt)
        return AJE_MEMORY;
    j->t = nt;
    j->cap = ncap;
    return AJE_OK;
}

static inline int push_tok(struct ana_json *j, uint8_t type, size_t start, size_t len)
{
    if (j->count == j->cap || (j->max && j->count >= j->max)) {
        int rc = grow(j);
        if (rc)
            return rc;
    }
    struct ana_jtok *t = &j->t[j->count++];
    t->start = (uint32_t)start;
    t->len = (uint32_t)len;
    t->end = j->count; /* scalars end right after themselves; containers are fixed on close */
    t->type = type;
    t->esc = 0;
    return AJE_OK;
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* s[*p] is the opening quote. Validates the string, pushes its token. */
static int scan_string(struct ana_json *j, size_t *p)
{
    const unsigned char *s = (const unsigned char *)j->s;
    size_t i = *p + 1, n = j->n;
    uint8_t esc = 0;
    for (;;) {
        /* fast path: 8 ordinary bytes at a time (no quote, backslash or control byte;
         * the classic "has a zero byte" test on the word XORed with each) */
        while (i + 8 <= n) {
            uint64_t v;
            memcpy(&v, s + i, 8);
            const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
            uint64_t q = v ^ (ones * '"'), b = v ^ (ones * '\\');
            uint64_t hit = ((q - ones) & ~q) | ((b - ones) & ~b) | ((v - ones * 0x20) & ~v);
            if (hit & high)
                break;
            i += 8;
        }
        while (i < n && s[i] != '"' && s[i] != '\\' && s[i] >= 0x20)
            i++;
        if (i >= n || s[i] < 0x20)
            return AJE_SYNTAX;
        if (s[i] == '"')
            break;
        esc = 1; /* backslash */
        if (i + 1 >= n)
            return AJE_SYNTAX;
        unsigned char c = s[i + 1];
        if (c == 'u') {
            if (i + 5 >= n)
                return AJE_SYNTAX;
            for (int k = 2; k < 6; k++)
                if (hexval(s[i + k]) < 0)
                    return AJE_SYNTAX;
            i += 6;
        } else if (c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' ||
                   c == 'r' || c == 't') {
            i += 2;
        } else {
            return AJE_SYNTAX;
        }
    }
    int rc = push_tok(j, AJ_STR, *p + 1, i - *p - 1);
    if (rc)
        return rc;
    j->t[j->count - 1].esc = esc;
    *p = i + 1;
    return AJE_OK;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int scan_number(struct ana_json *j, size_t *p)
{
    const unsigned char *s = (const unsigned char *)j->s;
    size_t i = *p, n = j->n;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n || !is_digit(s[i]))
        return AJE_SYNTAX;
    if (s[i] == '0')
        i++;
    else
        while (i < n && is_digit(s[i]))
            i++;
    if (i < n && s[i] == '.') {
        i++;
        if (i >= n || !is_digit(s[i]))
            return AJE_SYNTAX;
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || !is_digit(s[i]))
            return AJE_SYNTAX;
        while (i < n && is_digit(s[i]))
            i++;
    }
    int rc = push_tok(j, AJ_NUM, *p, i - *p);
    *p = i;
    return rc;
}

static int scan_literal(struct ana_json *j, size_t *p, const char *word, uint8_t type)
{
    size_t len = strlen(word);
    if (j->n - *p < len || memcmp(j->s + *p, word, len) != 0)
        return AJE_SYNTAX;
    int rc = push_tok(j, type, *p, len);
    *p += len;
    return rc;
}

static size_t skip_ws(const char *s, size_t i, size_t n)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

int ana_json_parse(struct ana_json *j, const char *s, size_t n)
{
    j->s = s;
    j->n = n;
    j->count = 0;
    if (n >= UINT32_MAX)
        return AJE_TOKENS;
    uint32_t stack[ANA_JSON_DEPTH];
    int depth = 0, rc;
    size_t p = 0;
    /* expect: 0 = a value, 1 = a key or '}' (object just opened), 2 = after a value */
    int expect = 0;
    for (;;) {
        p = skip_ws(s, p, n);
        if (expect == 2) {
            if (depth == 0)
                break;
            struct ana_jtok *top = &j->t[stack[depth - 1]];
            char close = top->type == AJ_OBJ ? '}' : ']';
            if (p < n && s[p] == close) {
                top->end = j->count;
                top->len = (uint32_t)(p + 1 - top->start);
                depth--;
                p++;
                continue;
            }
            if (p >= n || s[p] != ',')
                return AJE_SYNTAX;
            p = skip_ws(s, p + 1, n);
            if (top->type == AJ_ARR) {
                expect = 0;
                continue;
            }
            expect = 1;
            if (p >= n || s[p] != '"') /* after a comma a key must follow */
                return AJE_SYNTAX;
        }
        if (expect == 1) { /* key position in an object */
            if (p < n && s[p] == '}') {
                struct ana_jtok *top = &j->t[stack[depth - 1]];
                top->end = j->count;
                top->len = (uint32_t)(p + 1 - top->start);
                depth--;
                p++;
                expect = 2;
                continue;
            }
            if (p >= n || s[p] != '"')
                return AJE_SYNTAX;
            if ((rc = scan_string(j, &p)))
                return rc;
            p = skip_ws(s, p, n);
            if (p >= n || s[p] != ':')
                return AJE_SYNTAX;
            p = skip_ws(s, p + 1, n);
        }
        /* a value */
        if (p >= n)
            return AJE_SYNTAX;
        char c = s[p];
        if (c == '{' || c == '[') {
            if (depth == ANA_JSON_DEPTH)
                return AJE_DEPTH;
            if ((rc = push_tok(j, c == '{' ? AJ_OBJ : AJ_ARR, p, 0)))
                return rc;
            stack[depth++] = j->count - 1;
            p++;
            if (c == '{') {
                expect = 1;
            } else {
                p = skip_ws(s, p, n);
                if (p < n && s[p] == ']') {
                    struct ana_jtok *top = &j->t[stack[--depth]];
                    top->end = j->count;
                    top->len = (uint32_t)(p + 1 - top->start);
                    p++;
                    expect = 2;
                } else {
                    expect = 0;
                }
            }
            continue;
        }
        if (c == '"')
            rc = scan_string(j, &p);
        else if (c == 't')
            rc = scan_literal(j, &p, "true", AJ_TRUE);
        else if (c == 'f')
            rc = scan_literal(j, &p, "false", AJ_FALSE);
        else if (c == 'n')
            rc = scan_literal(j, &p, "null", AJ_NULL);
        else
            rc = scan_number(j, &p);
        if (rc)
            return rc;
        expect = 2;
    }
    return skip_ws(s, p, n) == n && j->count > 0 ? AJE_OK : AJE_SYNTAX;
}

uint32_t ana_json_get(const struct ana_json *j, uint32_t obj, const char *key)
{
    if (obj >= j->count || j->t[obj].type != AJ_OBJ)
        return ANA_JSON_NONE;
    size_t klen = strlen(key);
    uint32_t i = obj + 1, end = j->t[obj].end;
    while (i < end) {
        const struct ana_jtok *k = &j->t[i];
        if (k->len == klen && memcmp(j->s + k->start, key, klen) == 0)
            return i + 1;
        i = j->t[i + 1].end;
    }
    return ANA_JSON_NONE;
}

uint32_t ana_json_path(const struct ana_json *j, uint32_t tok, const char *path)
{
    char key[64];
    while (*path && tok != ANA_JSON_NONE) {
        const char *dot = strchr(path, '.');
        size_t len = dot ? (size_t)(dot - path) : strlen(path);
        if (len >= sizeof key)
            return ANA_JSON_NONE;
        memcpy(key, path, len);
        key[len] = 0;
        tok = ana_json_get(j, tok, key);
        path += len + (dot ? 1 : 0);
    }
    return tok;
}

uint32_t ana_json_first(const struct ana_json *j, uint32_t arr)
{
    if (arr >= j->count || j->t[arr].type != AJ_ARR || j->t[arr].end == arr + 1)
        return ANA_JSON_NONE;
    return arr + 1;
}

uint32_t ana_json_next(const struct ana_json *j, uint32_t arr, uint32_t elem)
{
    uint32_t n = j->t[elem].end;
    return n < j->t[arr].end ? n : ANA_JSON_NONE;
}

bool ana_json_is(const struct ana_json *j, uint32_t tok, enum ana_jtype type)
{
    return tok < j->count && j->t[tok].type == type;
}

bool ana_json_true(const struct ana_json *j, uint32_t tok)
{
    return ana_json_is(j, tok, AJ_TRUE);
}

bool ana_json_int(const struct ana_json *j, uint32_t tok, int64_t *out)
{
    if (!ana_json_is(j, tok, AJ_NUM))
        return false;
    const char *s = j->s + j->t[tok].start;
    uint32_t n = j->t[tok].len, i = 0;
    int neg = s[0] == '-';
    i = (uint32_t)neg;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (!is_digit((unsigned char)s[i]))
            return false; /* fraction or exponent */
        if (v > (UINT64_C(9223372036854775807) - (uint64_t)(s[i] - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return true;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static uint32_t hex4(const char *s)
{
    uint32_t v = 0;
    for (int k = 0; k < 4; k++)
        v = v << 4 | (uint32_t)hexval((unsigned char)s[k]);
    return v;
}

long ana_json_decode(const struct ana_json *j, uint32_t tok, char *out)
{
    if (!ana_json_is(j, tok, AJ_STR))
        return -1;
    const char *s = j->s + j->t[tok].start;
    size_t n = j->t[tok].len;
    if (!j->t[tok].esc) {
        memcpy(out, s, n);
        out[n] = 0;
        return (long)n;
    }
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') {
            out[o++] = s[i++];
            continue;
        }
        char c = s[i + 1]; /* the tokenizer validated every escape */
        i += 2;
        switch (c) {
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'u': {
            uint32_t cp = hex4(s + i);
            i += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
                uint32_t lo = hex4(s + i + 2);
                if (lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            if (cp == 0 || (cp >= 0xD800 && cp < 0xE000))
                cp = 0xFFFD;
            o += put_utf8(out + o, cp);
            break;
        }
        default: out[o++] = c; break; /* " \ / */
        }
    }
    out[o] = 0;
    return (long)o;
}
