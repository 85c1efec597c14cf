#include "vocab.h"

#define STS_VOCAB_NAMES
#include "vocab.def"
#define STS_VOCAB_MEANINGS
#include "vocab.def"
