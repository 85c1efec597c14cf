/* The name and meaning tables of the stages' vocabularies (dns.def,
 * policy.def, smtp.def; see util/vocab_begin.h). A file of its own, so the
 * pure parsers and their fuzzers link it without any stage code. */
#define STS_VOCAB_ENUMS
#include "dns.def"
#define STS_VOCAB_NAMES
#include "dns.def"
#define STS_VOCAB_MEANINGS
#include "dns.def"

#define STS_VOCAB_ENUMS
#include "policy.def"
#define STS_VOCAB_NAMES
#include "policy.def"
#define STS_VOCAB_MEANINGS
#include "policy.def"

#define STS_VOCAB_ENUMS
#include "smtp.def"
#define STS_VOCAB_NAMES
#include "smtp.def"
#define STS_VOCAB_MEANINGS
#include "smtp.def"
